import {createPrivateKey, randomBytes, type KeyObject} from 'node:crypto'
import {hostname} from 'node:os'
import {LocalcertError} from '../errors.js'
import {randomId} from './files.js'
import {CredentialStoreError, classifyStoreError, deleteCredential, readCredential, storeName, writeCredential} from './credential-store.js'

// CA keys at rest: PKCS#8 EncryptedPrivateKeyInfo (PBES2, AES-256-CBC: `openssl pkey -passin` reads it), the passphrase
// a random secret per CA home held in the OS credential store. Where no store answers, 0600 plaintext PEM ('file').

export type ProtectionMode = 'keyring' | 'file'

/** What ca.json records about how its keys are protected. */
export interface KeyProtection {
  mode: ProtectionMode
  /** keyring: the account of this home's secret (service `localcert`). */
  account?: string
  /** keyring: the id of the credential store the secret went into (its `store-id` entry), to tell "another store" from "deleted". */
  storeId?: string
  /** Who protected the keys; only used to word the error when someone else opens them. */
  owner?: {uid: number | null; host: string}
  /** file: why there is no encryption. */
  reason?: string
}

/** `LOCALCERT_KEY_PROTECTION=file` keeps the keys as 0600 files even where a credential store answers (containers). */
export const KEY_PROTECTION_ENV = 'LOCALCERT_KEY_PROTECTION'
/** The entry that names a credential store: the same id in ca.json means the same store. It holds no secret. */
export const STORE_ID_ACCOUNT = 'store-id'

const ENCRYPTED = /-----BEGIN ENCRYPTED PRIVATE KEY-----/
const secrets = new Map<string, Promise<string>>()
let storeIdRead: Promise<string | undefined> | undefined

function owner(): {uid: number | null; host: string} {
  return {uid: typeof process.getuid === 'function' ? process.getuid() : null, host: hostname()}
}

/** True when `pem` is an encrypted PKCS#8 key (else it is a plaintext one). */
export function isSealed(pem: string): boolean {
  return ENCRYPTED.test(pem)
}

/** This credential store's id, created on first use. */
async function storeId(create: boolean): Promise<string | undefined> {
  storeIdRead ??= readCredential(STORE_ID_ACCOUNT).catch((error: unknown) => {
    storeIdRead = undefined
    throw error
  })
  const found = await storeIdRead
  if (found || !create) return found
  const id = randomId(8)
  await writeCredential(STORE_ID_ACCOUNT, id)
  storeIdRead = Promise.resolve(id)
  return id
}

/**
 * How a new CA (or one being upgraded) protects its keys: a fresh secret in the credential store, or 'file' with
 * the reason when none answers (or LOCALCERT_KEY_PROTECTION=file). Writes the secret; the caller writes ca.json.
 * @example const protection = await chooseProtection() // {mode: 'keyring', account: 'ca-…', …}
 */
export async function chooseProtection(env: NodeJS.ProcessEnv = process.env): Promise<KeyProtection> {
  const forced = env[KEY_PROTECTION_ENV]
  if (forced === 'file') return {mode: 'file', owner: owner(), reason: `${KEY_PROTECTION_ENV}=file`}
  if (forced && forced !== 'keyring') throw new LocalcertError('INVALID_ARGUMENT', `${KEY_PROTECTION_ENV}=${forced} is not a key protection`, `set ${KEY_PROTECTION_ENV}=file (keys as 0600 files) or leave it unset`)
  try {
    const id = await storeId(true)
    const account = `ca-${randomId(8)}`
    const secret = randomBytes(32).toString('base64url')
    await writeCredential(account, secret)
    // read back: a store that accepts a write it cannot return would lock the CA for good
    if ((await readCredential(account)) !== secret) {
      await deleteCredential(account).catch(() => undefined)
      throw new CredentialStoreError('failed', 'the credential store did not return what was written')
    }
    secrets.set(account, Promise.resolve(secret))
    return {mode: 'keyring', account, storeId: id, owner: owner()}
  } catch (error) {
    const failure = classifyStoreError(error)
    return {mode: 'file', owner: owner(), reason: failure.failure === 'locked' ? `the credential store is locked: ${failure.detail}` : failure.detail}
  }
}

function lockedElsewhere(protection: KeyProtection, detail: string): LocalcertError {
  const by = protection.owner ? ` (protected by uid ${protection.owner.uid ?? '?'} on ${protection.owner.host})` : ''
  return new LocalcertError('CA_KEY_LOCKED', `the CA key is locked to another credential store${by}: ${detail}; nothing was signed`, 'open this CA where it was created (same user, same machine, same login keyring), or start over here with `localcert uninstall --yes` then `localcert setup`')
}

function sameOwner(protection: KeyProtection): boolean {
  const here = owner()
  return !protection.owner || (protection.owner.uid === here.uid && protection.owner.host === here.host)
}

/** The error for a store that could not be asked, worded by what the user can do. */
function storeProblem(protection: KeyProtection, error: CredentialStoreError): LocalcertError {
  if (error.failure === 'locked') return new LocalcertError('CA_KEY_LOCKED', `the credential store that holds the CA key is locked (${error.detail}); nothing was signed`, `unlock ${storeName()} (log in to the desktop, or \`gnome-keyring-daemon --unlock\` on Linux), then run the command again`, {cause: error})
  if (!sameOwner(protection)) return lockedElsewhere(protection, `no credential store answers here (${error.detail})`)
  return new LocalcertError('CA_KEY_LOCKED', `the CA key is encrypted and its secret is in ${storeName()}, which does not answer here (${error.detail}); nothing was signed`, 'run the command in your desktop login session, where the credential store runs (over ssh on Linux: start one with `dbus-run-session` and `gnome-keyring-daemon --unlock`)', {cause: error})
}

/**
 * This home's secret, read from the credential store once per process (concurrent callers share the one read).
 * @example const secret = await unlockSecret(meta.protection)
 */
export function unlockSecret(protection: KeyProtection): Promise<string> {
  const account = protection.account
  if (protection.mode !== 'keyring' || !account) return Promise.reject(new LocalcertError('CA_CORRUPT', 'a CA key is encrypted but ca.json names no credential-store entry for it', 'restore ca.json from backup, or run `localcert uninstall --yes` and `localcert setup` to start over'))
  let read = secrets.get(account)
  if (!read) {
    read = readSecret(protection, account)
    secrets.set(account, read)
    read.catch(() => secrets.delete(account))
  }
  return read
}

/**
 * Starts reading the secret of a keyring-protected home without waiting, so that the credential store's round trip
 * (~9 ms over D-Bus here) runs while the caller reads files and loads X.509 code; failures surface at the real use.
 * @example prefetchSecret(meta.protection)
 */
export function prefetchSecret(protection: KeyProtection | undefined): void {
  if (protection?.mode === 'keyring' && protection.account) unlockSecret(protection).catch(() => undefined)
}

async function readSecret(protection: KeyProtection, account: string): Promise<string> {
  try {
    const secret = await readCredential(account)
    if (secret) return secret
    const id = await storeId(false)
    if (!sameOwner(protection) || !id || id !== protection.storeId) throw lockedElsewhere(protection, `this credential store has no entry ${account}`)
    throw new LocalcertError('CA_KEY_LOCKED', `the credential-store entry for this CA was deleted (service localcert, account ${account} in ${storeName()}): its keys cannot be decrypted; nothing was signed`, 'restore that entry from a backup of your keychain, or start over with `localcert uninstall --yes` then `localcert setup` (a new CA, to be trusted again)')
  } catch (error) {
    if (error instanceof LocalcertError) throw error
    throw storeProblem(protection, classifyStoreError(error))
  }
}

/**
 * A CA key PEM as it is written to disk: encrypted with the home's secret in keyring mode, as it is in file mode.
 * @example await writeFileSafely(paths.rootKey, await sealKeyPem(meta.protection, pem))
 */
export async function sealKeyPem(protection: KeyProtection | undefined, pem: string): Promise<string> {
  if (protection?.mode !== 'keyring') return pem
  if (isSealed(pem)) return pem
  const passphrase = await unlockSecret(protection)
  return createPrivateKey(pem).export({type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase}) as string
}

/**
 * A CA key file's content as a key: a sealed one decrypted with the home's secret, a plaintext one (file mode, or a
 * key an interrupted upgrade has not sealed yet) as it is.
 * @example const key = await openKeyPem(meta.protection, await readFile(file, 'utf8'), file)
 */
export async function openKeyPem(protection: KeyProtection | undefined, pem: string, file: string): Promise<KeyObject> {
  if (!isSealed(pem)) {
    try {
      return createPrivateKey(pem)
    } catch (error) {
      throw new LocalcertError('CA_CORRUPT', `the CA key file ${file} cannot be read`, 'restore it from backup, or run `localcert uninstall --yes` and `localcert setup` to start over', {cause: error})
    }
  }
  const passphrase = await unlockSecret(protection ?? {mode: 'file'})
  try {
    return createPrivateKey({key: pem, format: 'pem', passphrase})
  } catch {
    // no cause: the decryption error says nothing useful, and the secret must never travel with an error
    throw lockedElsewhere(protection!, `the secret in this credential store does not decrypt ${file}`)
  }
}

/**
 * Deletes this home's secret from the credential store (uninstall): 'deleted', 'absent', or the reason it could not.
 * @example const outcome = await forgetSecret(meta.protection)
 */
export async function forgetSecret(protection: KeyProtection | undefined): Promise<{outcome: 'deleted' | 'absent' | 'none' | 'failed'; detail?: string}> {
  if (protection?.mode !== 'keyring' || !protection.account) return {outcome: 'none'}
  try {
    const deleted = await deleteCredential(protection.account)
    secrets.delete(protection.account)
    return {outcome: deleted ? 'deleted' : 'absent'}
  } catch (error) {
    return {outcome: 'failed', detail: classifyStoreError(error).detail}
  }
}

/** How the user deletes the entry by hand where uninstall could not. */
export function manualDeletion(account: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return `security delete-generic-password -s localcert -a ${account}`
  if (platform === 'win32') return `cmdkey /delete:${account}.localcert`
  return `secret-tool clear service localcert username ${account}`
}

/** One line for setup, status and doctor: `key protection: keyring — …` or `key protection: file — no credential store (…)`. */
export function describeProtection(protection: KeyProtection | undefined): string {
  if (protection?.mode === 'keyring') return `key protection: keyring — the CA keys are encrypted, their secret in ${storeName()} (service localcert, account ${protection.account})`
  const reason = protection?.reason ?? 'this CA was made before key protection'
  return `key protection: file — no credential store (${reason}): the CA keys are unencrypted 0600 files`
}
