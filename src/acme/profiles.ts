import {AcmeProblem} from './problems.js'

/** A certificate profile a client may ask for in newOrder (draft-ietf-acme-profiles §3–4). */
export interface Profile {
  name: string
  description: string
  days: number
}

/**
 * `default` matches the lifetime every ACME client expects (certbot and lego renew 30 days before expiry);
 * `shortlived` lets developers exercise renewal locally within a day.
 */
const PROFILES: readonly Profile[] = [
  {name: 'default', description: '90-day server certificate (leaf + intermediate, SAN and CN)', days: 90},
  {name: 'shortlived', description: '1-day server certificate, to exercise renewal and ARI', days: 1},
]

const DEFAULT_PROFILE = 'default'

/** The directory's `meta.profiles`: name → human description. */
export function profilesMeta(): Record<string, string> {
  return Object.fromEntries(PROFILES.map((profile) => [profile.name, profile.description]))
}

/** The profile an order asked for (the default when it named none), or invalidProfile. */
export function resolveProfile(requested: unknown): Profile {
  if (requested === undefined) return PROFILES.find((profile) => profile.name === DEFAULT_PROFILE)!
  const found = typeof requested === 'string' ? PROFILES.find((profile) => profile.name === requested) : undefined
  if (!found) throw new AcmeProblem('invalidProfile', `unknown profile ${JSON.stringify(requested)}; this server offers ${PROFILES.map((profile) => profile.name).join(', ')}`)
  return found
}
