import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {LocalcertError} from '../errors.js'
import {DEFAULT_ACME_PORT} from './discovery.js'
import {HOME_ENV} from './paths.js'

/**
 * The one definition of every preference `localcert config` keeps: its type, allowed values and default. The conf
 * store (`localcert config set`) validates against the schema built from it, and the commands that only read a
 * preference (`cert`, `serve`, `setup`) use `readPreferences` below, a plain JSON read with the same checks, because
 * loading conf costs ~190 ms and those commands must start fast.
 */
export const PREFERENCES = {
  'key-type': {kind: 'choice', choices: ['ecdsa', 'rsa'], default: undefined, defaultText: "the CA's key type", usedBy: 'cert --key-type'},
  days: {kind: 'integer', min: 1, max: 825, default: 90, defaultText: '90', usedBy: 'cert --days'},
  'acme-port': {kind: 'integer', min: 0, max: 65_535, default: DEFAULT_ACME_PORT, defaultText: String(DEFAULT_ACME_PORT), usedBy: 'serve --port'},
  'shell-profile': {kind: 'boolean', default: false, defaultText: 'false', usedBy: 'setup, trust install --shell-profile'},
} as const satisfies Record<string, PreferenceSpec>

interface PreferenceSpec {
  kind: 'choice' | 'integer' | 'boolean'
  choices?: readonly string[]
  min?: number
  max?: number
  default: string | number | boolean | undefined
  /** How `config list` shows the default when nothing is set. */
  defaultText: string
  /** The command and flag the preference is the default of (a flag given on the command line always wins). */
  usedBy: string
}

export type PreferenceKey = keyof typeof PREFERENCES
export const PREFERENCE_KEYS = Object.keys(PREFERENCES) as PreferenceKey[]

export interface Preferences {
  'key-type'?: 'ecdsa' | 'rsa'
  days: number
  'acme-port': number
  'shell-profile': boolean
}

/** One preference as `config get|list` shows it: its value and whether the user set it. */
export interface PreferenceValue {
  key: PreferenceKey
  value: string | number | boolean | undefined
  source: 'set' | 'default'
  usedBy: string
}

/** The preferences file's name, in LOCALCERT_HOME or the per-user config directory. */
export const PREFERENCES_FILE_NAME = 'config.json'

/**
 * Where preferences live: `$LOCALCERT_HOME/config.json` when LOCALCERT_HOME is set (a test or a second identity stays
 * isolated), else the per-user config directory (`$XDG_CONFIG_HOME/localcert/config.json`), outside the CA's data
 * directory, so that `localcert uninstall` leaves the user's choices as `npm config` or `git config` would.
 */
export async function preferencesFile(): Promise<string> {
  const home = process.env[HOME_ENV]
  if (home) return path.join(path.resolve(home), PREFERENCES_FILE_NAME)
  const {default: envPaths} = await import('env-paths')
  return path.join(envPaths('localcert', {suffix: ''}).config, PREFERENCES_FILE_NAME)
}

/** The error for a key that is not a preference, listing the ones that are. */
export function unknownKey(key: string): LocalcertError {
  return new LocalcertError('INVALID_PREFERENCE', `"${key}" is not a localcert preference`, `use one of: ${PREFERENCE_KEYS.join(', ')} (\`localcert config list\` shows them with their values)`)
}

export function isPreferenceKey(key: string): key is PreferenceKey {
  return Object.hasOwn(PREFERENCES, key)
}

/** What a key accepts, in words: "ecdsa or rsa", "an integer from 1 to 825", "true or false". */
function allowed(spec: PreferenceSpec): string {
  if (spec.kind === 'choice') return spec.choices!.join(' or ')
  if (spec.kind === 'integer') return `a whole number from ${spec.min} to ${spec.max}`
  return 'true or false'
}

function badValue(key: PreferenceKey, value: unknown, where: string): LocalcertError {
  const spec: PreferenceSpec = PREFERENCES[key]
  return new LocalcertError('INVALID_PREFERENCE', `${key} cannot be ${JSON.stringify(value)}${where}`, `${key} takes ${allowed(spec)}: \`localcert config set ${key} ${spec.kind === 'choice' ? spec.choices![0] : spec.defaultText}\`, or \`localcert config unset ${key}\` for the default (${spec.defaultText})`)
}

/** A stored (JSON) value checked against the table; throws the error that names the allowed values. */
export function checkPreference(key: PreferenceKey, value: unknown, where = ''): string | number | boolean {
  const spec: PreferenceSpec = PREFERENCES[key]
  const ok = spec.kind === 'choice' ? typeof value === 'string' && spec.choices!.includes(value)
    : spec.kind === 'integer' ? Number.isInteger(value) && (value as number) >= spec.min! && (value as number) <= spec.max!
    : typeof value === 'boolean'
  if (!ok) throw badValue(key, value, where)
  return value as string | number | boolean
}

/** A value typed on the command line (`config set days 30`) as the JSON value stored for it. */
export function parsePreference(key: string, text: string): string | number | boolean {
  if (!isPreferenceKey(key)) throw unknownKey(key)
  const spec: PreferenceSpec = PREFERENCES[key]
  const trimmed = text.trim()
  const value = spec.kind === 'integer' && /^\d+$/.test(trimmed) ? Number(trimmed)
    : spec.kind === 'boolean' && /^(true|false)$/i.test(trimmed) ? trimmed.toLowerCase() === 'true'
    : spec.kind === 'choice' ? trimmed.toLowerCase()
    : text
  return checkPreference(key, value)
}

/** The preferences file as JSON (empty when there is none); a file that is not a JSON object is an error saying how to fix it. */
export async function readPreferencesFile(file: string): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw new LocalcertError('INVALID_PREFERENCE', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, `check its permissions (\`ls -l ${file}\`)`, {cause: error})
  }
  let data: unknown
  try {
    data = JSON.parse(text)
  } catch {
    data = undefined
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    throw new LocalcertError('INVALID_PREFERENCE', `${file} is not a JSON object of preferences`, `fix it by hand, or delete it (\`rm ${file}\`) to go back to the defaults`)
  }
  return data as Record<string, unknown>
}

/**
 * Every preference with its value and source: what the user set, else the default. Keys this version does not know
 * are ignored (a newer localcert may have written them); a known key with a bad value throws, naming the file.
 * @example for (const {key, value, source} of await listPreferences()) console.log(key, value, source)
 */
export async function listPreferences(): Promise<PreferenceValue[]> {
  const file = await preferencesFile()
  const stored = await readPreferencesFile(file)
  return PREFERENCE_KEYS.map((key) => {
    const spec: PreferenceSpec = PREFERENCES[key]
    if (!Object.hasOwn(stored, key)) return {key, value: spec.default, source: 'default', usedBy: spec.usedBy}
    return {key, value: checkPreference(key, stored[key], ` (in ${file})`), source: 'set', usedBy: spec.usedBy}
  })
}

/**
 * The preferences a command uses as its defaults (its flags still win).
 * @example const days = flags.days ?? (await readPreferences()).days
 */
export async function readPreferences(): Promise<Preferences> {
  return Object.fromEntries((await listPreferences()).map((entry) => [entry.key, entry.value])) as unknown as Preferences
}
