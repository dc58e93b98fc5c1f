import {generateKeyPairSync} from 'node:crypto'
import {afterEach, beforeEach, describe, expect, it, vi} from 'vitest'

// The exact @napi-rs/keyring calls, on every platform (Keychain and Credential Manager cannot run here): a recording
// binding stands in for the native module, holding entries in a Map, so what is written can be read back.
// Each test loads the modules afresh (vi.resetModules), as a new process would: the in-process secret cache is empty.

interface Recorder {
  calls: string[]
  entries: Map<string, string>
  /** Thrown by the constructor (no D-Bus) or by every call (a locked store), when set. */
  failConstructor?: string
  failCalls?: string
}

function recordingBinding(recorder: Recorder) {
  const show = (account: string) => (account.startsWith('ca-') ? 'ca-<id>' : account)
  return {
    AsyncEntry: class {
      constructor(readonly service: string, readonly account: string, options?: unknown) {
        recorder.calls.push(`new AsyncEntry(${service}, ${show(account)}, ${JSON.stringify(options)})`)
        if (recorder.failConstructor) throw new Error(recorder.failConstructor)
      }
      private check(what: string, signal?: AbortSignal) {
        recorder.calls.push(`${what} ${show(this.account)}${signal instanceof AbortSignal ? ' (signal)' : ''}`)
        if (recorder.failCalls) throw new Error(recorder.failCalls)
      }
      async getPassword(signal?: AbortSignal) {
        this.check('getPassword', signal)
        return recorder.entries.get(this.account) ?? null
      }
      async setPassword(password: string, signal?: AbortSignal) {
        this.check('setPassword', signal)
        recorder.entries.set(this.account, password)
      }
      async deleteCredential(signal?: AbortSignal) {
        this.check('deleteCredential', signal)
        return recorder.entries.delete(this.account)
      }
    },
  }
}

/** The two modules as a new process loads them, with `recorder` as the credential store. */
async function freshModules(recorder: Recorder) {
  vi.resetModules()
  const store = await import('../../src/state/credential-store.js')
  store.useKeyringBinding(recordingBinding(recorder))
  return {store, protection: await import('../../src/state/key-protection.js')}
}

const ENTRY = 'new AsyncEntry(localcert, %s, {"linux":{"store":"secret-service"}})'
const keyPem = () => generateKeyPairSync('ec', {namedCurve: 'P-256'}).privateKey.export({type: 'pkcs8', format: 'pem'}) as string
const realPlatform = process.platform
const onPlatform = (platform: NodeJS.Platform) => Object.defineProperty(process, 'platform', {value: platform})

afterEach(() => {
  onPlatform(realPlatform)
})

describe.each(['darwin', 'win32', 'linux'] as const)('the credential-store calls on %s (boundary)', (platform) => {
  let recorder: Recorder
  beforeEach(() => {
    onPlatform(platform)
    recorder = {calls: [], entries: new Map()}
  })

  it('a new CA: the store id is read (and made once), the secret is written and read back, service localcert, Secret Service only', async () => {
    const {protection} = await freshModules(recorder)
    const chosen = await protection.chooseProtection({})
    expect(chosen).toMatchObject({mode: 'keyring', account: expect.stringMatching(/^ca-[0-9a-f]{16}$/), storeId: expect.stringMatching(/^[0-9a-f]{16}$/)})
    expect(recorder.calls).toEqual([
      ENTRY.replace('%s', 'store-id'), 'getPassword store-id (signal)',
      ENTRY.replace('%s', 'store-id'), 'setPassword store-id (signal)',
      ENTRY.replace('%s', 'ca-<id>'), 'setPassword ca-<id> (signal)',
      ENTRY.replace('%s', 'ca-<id>'), 'getPassword ca-<id> (signal)',
    ])
    // sealing with the secret just made asks the store nothing more
    const sealed = await protection.sealKeyPem(chosen, keyPem())
    expect(sealed).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
    expect(recorder.calls).toHaveLength(8)
  })

  it('another process reads the secret once, then from its cache; uninstall deletes the entry', async () => {
    const first = await freshModules(recorder)
    const chosen = await first.protection.chooseProtection({})
    const sealed = await first.protection.sealKeyPem(chosen, keyPem())
    recorder.calls = []
    const {protection} = await freshModules(recorder)
    await protection.openKeyPem(chosen, sealed, 'root-key.pem')
    await protection.openKeyPem(chosen, sealed, 'intermediate-key.pem')
    expect(recorder.calls).toEqual([ENTRY.replace('%s', 'ca-<id>'), 'getPassword ca-<id> (signal)'])
    expect(await protection.forgetSecret(chosen)).toEqual({outcome: 'deleted'})
    expect(recorder.calls.slice(2)).toEqual([ENTRY.replace('%s', 'ca-<id>'), 'deleteCredential ca-<id> (signal)'])
    expect(recorder.entries.has(chosen.account!)).toBe(false)
  })

  it('names the store the user knows, and how to delete the entry by hand', async () => {
    const {store, protection} = await freshModules(recorder)
    const expected = {darwin: ['the macOS Keychain', 'security delete-generic-password -s localcert -a ca-1'], win32: ['Windows Credential Manager', 'cmdkey /delete:ca-1.localcert'], linux: ['the Secret Service (your login keyring)', 'secret-tool clear service localcert username ca-1']}[platform]
    expect([store.storeName(), protection.manualDeletion('ca-1')]).toEqual(expected)
  })
})

describe('when the credential store does not answer, or is locked (boundary)', () => {
  it('no store (the constructor throws, as without D-Bus): file mode, with the reason, and nothing written', async () => {
    const recorder: Recorder = {calls: [], entries: new Map(), failConstructor: 'Platform failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile time, set your DBUS_SESSION_BUS_ADDRESS instead'}
    const {protection} = await freshModules(recorder)
    const chosen = await protection.chooseProtection({})
    expect(chosen).toMatchObject({mode: 'file', reason: 'no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set'})
    expect(protection.describeProtection(chosen)).toMatch(/^key protection: file — no credential store \(/)
    expect(recorder.entries.size).toBe(0)
  })

  it('LOCALCERT_KEY_PROTECTION=file asks the store nothing', async () => {
    const recorder: Recorder = {calls: [], entries: new Map()}
    const {protection} = await freshModules(recorder)
    expect(await protection.chooseProtection({LOCALCERT_KEY_PROTECTION: 'file'})).toMatchObject({mode: 'file', reason: 'LOCALCERT_KEY_PROTECTION=file'})
    expect(recorder.calls).toEqual([])
    await expect(protection.chooseProtection({LOCALCERT_KEY_PROTECTION: 'maybe'})).rejects.toMatchObject({code: 'INVALID_ARGUMENT'})
  })

  it('a locked store: CA_KEY_LOCKED, telling the user to unlock it', async () => {
    const recorder: Recorder = {calls: [], entries: new Map()}
    const first = await freshModules(recorder)
    const chosen = await first.protection.chooseProtection({})
    const sealed = await first.protection.sealKeyPem(chosen, keyPem())
    recorder.failCalls = 'Couldn\'t access platform storage: Secret Service: unlock prompt was dismissed'
    const {protection} = await freshModules(recorder)
    const error = (await protection.openKeyPem(chosen, sealed, 'root-key.pem').then(() => undefined, (caught: unknown) => caught)) as {code: string; message: string; hint: string}
    expect(error).toMatchObject({code: 'CA_KEY_LOCKED', message: expect.stringContaining('is locked'), hint: expect.stringContaining('unlock')})
  })

  it('a secret that decrypts nothing: the CA key is locked to another credential store', async () => {
    const recorder: Recorder = {calls: [], entries: new Map()}
    const first = await freshModules(recorder)
    const chosen = await first.protection.chooseProtection({})
    const sealed = await first.protection.sealKeyPem(chosen, keyPem())
    const real = recorder.entries.get(chosen.account!)!
    recorder.entries.set(chosen.account!, 'another-secret')
    const {protection} = await freshModules(recorder)
    const error = (await protection.openKeyPem(chosen, sealed, 'root-key.pem').then(() => undefined, (caught: unknown) => caught)) as Error & {code: string; hint: string}
    expect(error).toMatchObject({code: 'CA_KEY_LOCKED', message: expect.stringContaining('the CA key is locked to another credential store')})
    // here the passphrase was in hand: neither it nor the real one travels with the error, its hint or a cause
    expect(error.cause).toBeUndefined()
    const text = [error.message, error.hint, error.stack, JSON.stringify(error)].join('\n')
    for (const secret of ['another-secret', real]) expect(text).not.toContain(secret)
  })
})
