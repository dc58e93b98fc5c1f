import {trustStatus, type StoreReport, type TrustRoot, type TrustRunOptions} from '../trust/everywhere.js'
import {fail, ok, warn, type Check} from './check.js'

/** A place `trust install` fills by default: its fix is that command (opt-in places hint at a flag instead). */
function installedByDefault(row: StoreReport): boolean {
  return row.hint?.startsWith('localcert trust install') ?? false
}

function storeCheck(row: StoreReport): Check {
  const id = `trust.${row.store}`
  const others = row.otherLocalcertRoots ?? []
  const old = others.length ? `, and trusts ${others.length === 1 ? 'another localcert root' : 'other localcert roots'} (${others.join(', ')}): an old CA?` : ''
  const removeOld = others.length ? `localcert trust uninstall --fingerprint ${others[0]}` : undefined
  switch (row.status) {
    case 'present':
      return others.length ? warn(id, `trusts the current root${old}`, removeOld, row.location) : ok(id, 'trusts the current root', row.location)
    case 'absent':
      if (installedByDefault(row)) return fail(id, `does not trust the current root${old}`, row.hint, row.location)
      return warn(id, `does not trust the current root (opt-in)${old}`, row.hint, row.location)
    case 'not-found':
      return warn(id, row.message ?? 'found, but cannot be used', row.hint, row.location)
    default:
      return fail(id, row.message ?? `cannot be read (${row.status})`, row.hint, row.location)
  }
}

/**
 * Every trust store place this machine has (or the ones `options` select): trusted? the current root? an old one?
 * @example const checks = await trustChecks(root, {localcertHome: home})
 */
export async function trustChecks(root: TrustRoot, options: TrustRunOptions): Promise<Check[]> {
  const rows = await trustStatus(root, options)
  if (rows.length === 0) return [warn('trust', 'no trust store selected', 'localcert doctor (without --stores)')]
  const seen = new Map<string, number>()
  // one id per place: a store with several (NSS databases, JDKs, profiles) numbers the ones after its first
  return rows.map(storeCheck).map((check) => {
    const count = (seen.get(check.id) ?? 0) + 1
    seen.set(check.id, count)
    return count === 1 ? check : {...check, id: `${check.id}.${count}`}
  })
}
