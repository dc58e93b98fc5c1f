// The OS credential store (macOS Keychain, Windows Credential Manager, Linux Secret Service) through
// @napi-rs/keyring, behind three verbs. Every call goes through `keyringBinding()`, so tests can record them.

/** The service every localcert entry is filed under; the account names the entry. */
export const KEYRING_SERVICE = 'localcert'
/** On Linux, Secret Service only: the kernel keyutils store forgets everything at logout (and keyring-rs falls back to it). */
export const ENTRY_OPTIONS = {linux: {store: 'secret-service' as const}}
/**
 * How long one call may take: a locked store may show an unlock dialog, which a person needs time to answer. A store
 * that hangs fails sooner on Linux: the D-Bus layer gives up after ~2 s (measured with a stopped gnome-keyring).
 */
export const KEYRING_TIMEOUT_MS = 20_000

/** The part of @napi-rs/keyring we use (its AsyncEntry, so a store that never answers cannot freeze the process). */
export interface KeyringBinding {
  AsyncEntry: new (service: string, account: string, options?: typeof ENTRY_OPTIONS) => {
    getPassword(signal?: AbortSignal): Promise<string | null | undefined>
    setPassword(password: string, signal?: AbortSignal): Promise<void>
    deleteCredential(signal?: AbortSignal): Promise<boolean>
  }
}

/** Why a call to the credential store failed: none answers here, it is locked, or something else. */
export type StoreFailure = 'unavailable' | 'locked' | 'failed'

/** A credential store that could not do what was asked; `detail` is the store's own words (never a secret). */
export class CredentialStoreError extends Error {
  constructor(readonly failure: StoreFailure, readonly detail: string, options?: {cause?: unknown}) {
    super(detail, options)
    this.name = 'CredentialStoreError'
  }
}

let replacement: KeyringBinding | undefined
let loaded: Promise<KeyringBinding> | undefined

/**
 * Tests put a recording binding here (undefined restores the real one).
 * @example useKeyringBinding({AsyncEntry: RecordingEntry})
 */
export function useKeyringBinding(binding: KeyringBinding | undefined): void {
  replacement = binding
}

/**
 * @napi-rs/keyring, loaded on first use only: a CA in file mode never loads the native module. Through require, not
 * import(): it is CommonJS, and import() of it costs ~20 ms more here (measured), all of it on the unlock path.
 */
async function keyringBinding(): Promise<KeyringBinding> {
  if (replacement) return replacement
  loaded ??= import('node:module').then(({createRequire}) => createRequire(import.meta.url)('@napi-rs/keyring') as KeyringBinding).catch((error: unknown) => {
    loaded = undefined
    throw new CredentialStoreError('unavailable', `the credential-store module cannot load (${(error as Error).message.split('\n')[0]})`, {cause: error})
  })
  return loaded
}

/** Sorts the store's error into what the user can do about it (keyring-rs says it in words only). */
export function classifyStoreError(error: unknown): CredentialStoreError {
  if (error instanceof CredentialStoreError) return error
  const message = String((error as Error)?.message ?? error).split('\n')[0]!
  if ((error as Error)?.name === 'AbortError' || (error as Error)?.name === 'TimeoutError') return new CredentialStoreError('unavailable', `no answer within ${KEYRING_TIMEOUT_MS / 1000} s`, {cause: error})
  if (/DBUS_SESSION_BUS_ADDRESS|autolaunch/.test(message)) return new CredentialStoreError('unavailable', 'no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set', {cause: error})
  if (/did not receive a reply/i.test(message)) return new CredentialStoreError('unavailable', 'the credential store did not answer (D-Bus reply timeout, ~2 s)', {cause: error})
  if (/prompt was dismissed|is locked|locked collection|user canceled|interaction is not allowed/i.test(message)) return new CredentialStoreError('locked', message, {cause: error})
  if (/dbus|d-bus|no result found|platform storage|service unknown|not provided by any \.service|no such (object|interface)|object does not exist|not available/i.test(message)) return new CredentialStoreError('unavailable', message, {cause: error})
  return new CredentialStoreError('failed', message, {cause: error})
}

type Entry = InstanceType<KeyringBinding['AsyncEntry']>

async function entry(account: string): Promise<Entry> {
  const {AsyncEntry} = await keyringBinding()
  try {
    return new AsyncEntry(KEYRING_SERVICE, account, ENTRY_OPTIONS)
  } catch (error) {
    throw classifyStoreError(error)
  }
}

async function call<T>(account: string, run: (entry: Entry, signal: AbortSignal) => Promise<T>): Promise<T> {
  const handle = await entry(account)
  try {
    return await run(handle, AbortSignal.timeout(KEYRING_TIMEOUT_MS))
  } catch (error) {
    throw classifyStoreError(error)
  }
}

/**
 * The secret stored under `account`, or undefined when there is no such entry.
 * @example const secret = await readCredential('ca-0123456789abcdef')
 */
export async function readCredential(account: string): Promise<string | undefined> {
  return (await call(account, (handle, signal) => handle.getPassword(signal))) ?? undefined
}

/** Stores `secret` under `account` (replacing what was there). */
export async function writeCredential(account: string, secret: string): Promise<void> {
  await call(account, (handle, signal) => handle.setPassword(secret, signal))
}

/** Deletes the entry; false when there was none. */
export async function deleteCredential(account: string): Promise<boolean> {
  return call(account, (handle, signal) => handle.deleteCredential(signal))
}

/** The credential store's name on this platform, as the user knows it. */
export function storeName(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'darwin') return 'the macOS Keychain'
  if (platform === 'win32') return 'Windows Credential Manager'
  return 'the Secret Service (your login keyring)'
}
