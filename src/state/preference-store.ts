import path from 'node:path'
import {LocalcertError} from '../errors.js'
import {ensurePrivateDir, writeError} from './files.js'
import {checkPreference, isPreferenceKey, parsePreference, PREFERENCES, PREFERENCE_KEYS, preferencesFile, readPreferencesFile, unknownKey, type PreferenceKey} from './preferences.js'

/** The JSON schema conf validates the whole file against, built from the same table the fast reader checks. */
function preferenceSchema(): Record<string, Record<string, unknown>> {
  return Object.fromEntries(PREFERENCE_KEYS.map((key) => {
    const spec = PREFERENCES[key]
    if (spec.kind === 'choice') return [key, {type: 'string', enum: [...spec.choices]}]
    if (spec.kind === 'integer') return [key, {type: 'integer', minimum: spec.min, maximum: spec.max}]
    return [key, {type: 'boolean'}]
  }))
}

/**
 * Writes the preferences through conf (schema validation, atomic write, mode 0600). The file is read as plain JSON
 * first, so that a hand-edited bad value can still be replaced or unset: conf alone refuses to open such a file.
 */
async function update(change: (stored: Record<string, unknown>) => void): Promise<string> {
  const file = await preferencesFile()
  const next = await readPreferencesFile(file)
  change(next)
  // the other keys keep the file valid as a whole: name the first bad one, with how to fix it
  for (const key of PREFERENCE_KEYS) if (Object.hasOwn(next, key)) checkPreference(key, next[key], ` (in ${file})`)
  await ensurePrivateDir(path.dirname(file))
  // loaded only here: conf (ajv) costs ~190 ms at import, which `cert` and `serve` must not pay
  const {default: Conf} = await import('conf')
  try {
    // clearInvalidConfig: conf must not throw on the old content, which `next` replaces as a whole
    const store = new Conf<Record<string, unknown>>({cwd: path.dirname(file), configName: path.basename(file, '.json'), schema: preferenceSchema(), configFileMode: 0o600, clearInvalidConfig: true})
    store.store = next
  } catch (error) {
    if (/schema violation/i.test((error as Error).message)) {
      throw new LocalcertError('INVALID_PREFERENCE', `${file} would not be valid: ${(error as Error).message}`, '`localcert config list` shows what is set; unset the key it names')
    }
    throw writeError(file, error)
  }
  return file
}

/**
 * `localcert config set KEY VALUE`: validates the value (a clear error naming the allowed ones) and stores it.
 * @example await setPreference('key-type', 'rsa') // → {key: 'key-type', value: 'rsa', file: '…/config.json'}
 */
export async function setPreference(key: string, text: string): Promise<{key: PreferenceKey; value: string | number | boolean; file: string}> {
  const value = parsePreference(key, text)
  const file = await update((stored) => {
    stored[key] = value
  })
  return {key: key as PreferenceKey, value, file}
}

/** `localcert config unset KEY`: back to the default; unsetting a key that is not set is not an error (as with `npm config delete`). */
export async function unsetPreference(key: string): Promise<{key: PreferenceKey; wasSet: boolean; file: string}> {
  if (!isPreferenceKey(key)) throw unknownKey(key)
  let wasSet = false
  const file = await update((stored) => {
    wasSet = Object.hasOwn(stored, key)
    delete stored[key]
  })
  return {key, wasSet, file}
}
