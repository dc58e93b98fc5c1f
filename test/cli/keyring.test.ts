import {cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {BIN, ROOT, cli, sh, tempDir, type CliResult} from '../support/env.js'
import {hasTools, onLinux} from '../support/tools.js'

// CA keys encrypted at rest, with real parts: gnome-keyring's Secret Service inside a private D-Bus session
// (dbus-run-session), the built CLI, secret-tool and openssl. Each "credential store" is a directory of its own
// (the daemon's XDG_DATA_HOME), so a second directory is a fresh store, as on another machine or account.

const run = onLinux('Secret Service key protection') && hasTools('Secret Service key protection', 'dbus-run-session', 'gnome-keyring-daemon', 'secret-tool', 'openssl', 'pgrep', 'curl')
const dir = tempDir('localcert-keyring-')
const NODE = process.execPath
const q = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`
/** The CLI as a shell command, for scripts run inside a session. */
const lc = (...args: string[]) => [q(NODE), q(BIN), ...args.map(q)].join(' ')

/** A credential store: the directory gnome-keyring keeps its login keyring in. */
function newStore(name: string): string {
  const store = path.join(dir, `store-${name}`)
  mkdirSync(store, {recursive: true, mode: 0o700})
  return store
}

/**
 * No D-Bus session at all (headless CI, a container): what the environment says about a bus is removed, and so is
 * the suite's LOCALCERT_KEY_PROTECTION=file (test/support/global-setup.ts), so the credential store is really asked.
 */
const NO_BUS = {DBUS_SESSION_BUS_ADDRESS: '', DISPLAY: '', WAYLAND_DISPLAY: '', LOCALCERT_KEY_PROTECTION: ''}

/**
 * Runs `script` (sh) in a fresh D-Bus session where gnome-keyring's Secret Service runs unlocked on `store`, with
 * LOCALCERT_HOME=home. The daemon's runtime directory is private to the session, so sessions never share a daemon.
 */
async function inSession(store: string, home: string, script: string, env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  const runtime = path.join(store, `run-${Math.random().toString(16).slice(2)}`)
  mkdirSync(runtime, {mode: 0o700})
  const start = 'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || exit 90'
  return sh('dbus-run-session', ['--', 'sh', '-c', `${start}\n${script}`], {
    cwd: dir,
    env: {...NO_BUS, XDG_DATA_HOME: store, XDG_RUNTIME_DIR: runtime, LOCALCERT_HOME: home, ...env},
  })
}

/** Every file under `home` whose content is a plaintext private key. */
function plaintextKeys(home: string): string[] {
  const found: string[] = []
  const walk = (at: string) => {
    for (const name of readdirSync(at)) {
      const full = path.join(at, name)
      if (statSync(full).isDirectory()) walk(full)
      else if (/BEGIN (EC |RSA )?PRIVATE KEY/.test(readFileSync(full, 'latin1'))) found.push(path.relative(home, full))
    }
  }
  walk(home)
  return found
}

const keyFilesOf = (home: string) => readdirSync(path.join(home, 'ca')).filter((name) => name.endsWith('-key.pem'))
const accountOf = (home: string): string => JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')).protection.account

describe.skipIf(!run)('CA keys sealed with a secret in the Secret Service (gnome-keyring, dbus-run-session)', () => {
  let store: string
  let home: string
  let setup: CliResult
  beforeAll(async () => {
    store = newStore('a')
    home = path.join(dir, 'home-a')
    setup = await inSession(store, home, lc('setup', '--no-trust'))
  }, 60_000)

  it('setup creates the CA with its keys encrypted and says so; no key under the home is plaintext', () => {
    expect(setup.code, setup.stderr).toBe(0)
    expect(setup.stdout).toContain('key protection: keyring')
    expect(keyFilesOf(home).length).toBeGreaterThanOrEqual(2)
    for (const name of keyFilesOf(home)) expect(readFileSync(path.join(home, 'ca', name), 'utf8')).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/)
    expect(plaintextKeys(home)).toEqual([])
  })

  it('keeps the secret in the credential store, where secret-tool finds it, and openssl opens the keys with it', async () => {
    const account = accountOf(home)
    expect(account).toMatch(/^ca-[0-9a-f]{16}$/)
    const found = await inSession(store, home, `secret-tool search service localcert username ${account} 2>&1 | grep -c '^attribute.username = ${account}$'
secret-tool lookup service localcert username ${account} | openssl pkey -passin stdin -in "$LOCALCERT_HOME/ca/root-key.pem" -noout && echo root-opens`)
    expect(found.stdout).toMatch(/^1\n/)
    expect(found.stdout).toContain('root-opens')
  })

  it('issues a certificate whose chain openssl verifies, and status and doctor show both keys encrypted', async () => {
    const out = path.join(dir, 'a-app.pem')
    const result = await inSession(store, home, `${lc('cert', 'app.localhost', '--cert-file', out, '--key-file', path.join(dir, 'a-app-key.pem'))} || exit 1
openssl verify -CAfile "$LOCALCERT_HOME/ca/root.pem" -untrusted ${q(out)} ${q(out)}
${lc('status', '--json')} > ${q(path.join(dir, 'a-status.json'))}
${lc('doctor', '--json', '--stores', 'runtimes')} > ${q(path.join(dir, 'a-doctor.json'))}; true`)
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(': OK')
    const status = JSON.parse(readFileSync(path.join(dir, 'a-status.json'), 'utf8'))
    expect(status.keyProtection).toMatchObject({mode: 'keyring', root: 'encrypted', intermediate: 'encrypted'})
    const doctor = JSON.parse(readFileSync(path.join(dir, 'a-doctor.json'), 'utf8'))
    expect(doctor.checks.find((check: {id: string}) => check.id === 'keys.protection')).toMatchObject({status: 'ok', found: expect.stringContaining('key protection: keyring')})
  })

  it('unlocks without a prompt in httpsOptions and in the ACME server (`localcert serve`)', async () => {
    const api = path.join(ROOT, 'dist', 'index.js')
    const cjs = path.join(ROOT, 'dist', 'cjs', 'index.js')
    const served = path.join(dir, 'a-serve.json')
    const result = await inSession(store, home, `${q(NODE)} --input-type=module -e ${q(`const api = await import(${JSON.stringify(api)}); const o = await api.httpsOptions(['dev.localhost']); console.log('httpsOptions', /BEGIN CERTIFICATE/.test(o.cert), /PRIVATE KEY/.test(o.key))`)} || exit 1
${q(NODE)} -e ${q(`require(${JSON.stringify(cjs)}).httpsOptions(['cjs.localhost']).then((o) => console.log('require', /BEGIN CERTIFICATE/.test(o.cert)))`)} || exit 1
${lc('serve', '--port', '0', '--json')} > ${q(served)} 2>&1 &
pid=$!
for i in $(seq 1 400); do tail -n 1 ${q(served)} 2>/dev/null | grep -q '^}' && break; sleep 0.05; done
url=$(sed -n 's/.*"directoryUrl": "\\(.*\\)",/\\1/p' ${q(served)})
curl -sS --noproxy '*' --cacert "$LOCALCERT_HOME/ca/root.pem" "$url" | grep -c newOrder
kill $pid; wait $pid; true`)
    expect(result.stdout, result.stderr + readFileSync(served, 'utf8')).toContain('httpsOptions true true')
    expect(result.stdout).toContain('require true')
    expect(result.stdout).toMatch(/\n1\n/)
  })

  it('neither the secret nor a decrypted key appears in any output, in --json, in the audit log or in a file of the home', async () => {
    const account = accountOf(home)
    const found = await inSession(store, home, `secret-tool lookup service localcert username ${account}; echo
secret-tool lookup service localcert username ${account} | openssl pkey -passin stdin -in ${q(path.join(home, 'ca', `intermediate-${JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')).intermediate.id}-key.pem`))}
${lc('log', '--json')}
${lc('status', '--json')}`)
    expect(found.code, found.stderr).toBe(0)
    const [secret] = found.stdout.split('\n')
    const decrypted = /-----BEGIN PRIVATE KEY-----\n([\s\S]+?)\n-----END PRIVATE KEY-----/.exec(found.stdout)?.[1]?.replace(/\n/g, '')
    expect(secret).toMatch(/^[\w-]{40,}$/)
    expect(decrypted?.length).toBeGreaterThan(60)
    const outputs = [setup.stdout, setup.stderr, found.stdout.split('-----END PRIVATE KEY-----')[1]!, found.stderr, ...['a-status.json', 'a-doctor.json', 'a-serve.json'].map((name) => readFileSync(path.join(dir, name), 'utf8'))]
    const files: string[] = []
    const walk = (at: string) => {
      for (const name of readdirSync(at)) statSync(path.join(at, name)).isDirectory() ? walk(path.join(at, name)) : files.push(readFileSync(path.join(at, name), 'latin1'))
    }
    walk(home)
    for (const text of [...outputs, ...files]) {
      expect(text.includes(secret!)).toBe(false)
      expect(text.replace(/\s/g, '').includes(decrypted!.slice(0, 60))).toBe(false)
    }
  })

  it('a copy of the home opened against a fresh credential store signs nothing: the CA key is locked to another credential store', async () => {
    const copy = path.join(dir, 'home-copy')
    cpSync(home, copy, {recursive: true})
    const out = path.join(dir, 'copy-app.pem')
    const before = readFileSync(path.join(copy, 'issued.jsonl'), 'utf8')
    const result = await inSession(newStore('fresh'), copy, lc('cert', 'stolen.localhost', '--cert-file', out, '--key-file', path.join(dir, 'copy-app-key.pem')))
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain('the CA key is locked to another credential store')
    expect(existsSync(out)).toBe(false)
    expect(readFileSync(path.join(copy, 'issued.jsonl'), 'utf8')).toBe(before)
    // and with no credential store at all, the same refusal (nothing falls back to reading the files)
    const bare = await cli(['cert', 'stolen.localhost', '--cert-file', out], {home: copy, env: {...NO_BUS, LOCALCERT_HOME: copy}})
    expect(bare.code).not.toBe(0)
    expect(bare.stderr).toMatch(/CA key is (locked to another credential store|encrypted and its secret is in)/)
    expect(existsSync(out)).toBe(false)
  })

  it('rotate --root stages and switches to a root sealed with the same secret; rotate renews the intermediate sealed', async () => {
    const rotating = path.join(dir, 'home-rotate')
    const account = (await inSession(store, rotating, lc('setup', '--no-trust'))).code === 0 && accountOf(rotating)
    const out = path.join(dir, 'rotated.pem')
    const result = await inSession(store, rotating, `${lc('rotate', '--root', '--yes')} || exit 1
${lc('rotate')} || exit 2
${lc('cert', 'app.localhost', '--cert-file', out)} || exit 3
openssl verify -CAfile "$LOCALCERT_HOME/ca/root.pem" -untrusted ${q(out)} ${q(out)}`, {HOME: path.join(dir, 'rotate-user')})
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stdout).toContain(': OK')
    expect(accountOf(rotating)).toBe(account)
    expect(plaintextKeys(rotating)).toEqual([])
  })

  it('a credential store that hangs (gnome-keyring stopped): setup falls back to file mode, and a sealed CA refuses to sign, within seconds', async () => {
    const hung = path.join(dir, 'home-hung')
    const out = path.join(dir, 'hung.pem')
    const result = await inSession(store, hung, `kill -STOP $(pgrep -x gnome-keyring-d)
${lc('setup', '--no-trust')}; echo "setup exit $?"
LOCALCERT_HOME=${q(home)} ${lc('cert', 'app.localhost', '--cert-file', out)}; echo "cert exit $?"
kill -CONT $(pgrep -x gnome-keyring-d)`)
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('key protection: file — no credential store (the credential store did not answer')
    expect(result.stdout).toContain('setup exit 0')
    expect(result.stdout).toMatch(/cert exit [1-9]/)
    expect(result.stderr).toContain('which does not answer here')
    expect(existsSync(out)).toBe(false)
  })

  it('LOCALCERT_KEY_PROTECTION=file keeps a new CA as 0600 files even where a credential store answers', async () => {
    const plain = path.join(dir, 'home-forced-file')
    const result = await inSession(store, plain, lc('setup', '--no-trust'), {LOCALCERT_KEY_PROTECTION: 'file'})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('key protection: file — no credential store (LOCALCERT_KEY_PROTECTION=file)')
    expect(plaintextKeys(plain).length).toBeGreaterThanOrEqual(2)
  })
})

describe.skipIf(!run)('a deleted secret, uninstall, and the upgrade of a plaintext CA', () => {
  it('a deleted credential-store entry is detected and reported with the way out; uninstall still works without the key', async () => {
    const store = newStore('deleted')
    const home = path.join(dir, 'home-deleted')
    expect((await inSession(store, home, lc('setup', '--no-trust'))).code).toBe(0)
    const account = accountOf(home)
    const out = path.join(dir, 'deleted-app.pem')
    const result = await inSession(store, home, `secret-tool clear service localcert username ${account}
${lc('cert', 'app.localhost', '--cert-file', out)}; echo "cert exit $?"
${lc('doctor', '--json', '--stores', 'runtimes')} > ${q(path.join(dir, 'deleted-doctor.json'))}
${lc('uninstall', '--yes', '--stores', 'runtimes')}; echo "uninstall exit $?"`)
    expect(result.stdout).toMatch(/cert exit [1-9]/)
    expect(result.stderr).toContain('the credential-store entry for this CA was deleted')
    expect(result.stderr).toContain('localcert uninstall --yes')
    expect(existsSync(out)).toBe(false)
    const doctor = JSON.parse(readFileSync(path.join(dir, 'deleted-doctor.json'), 'utf8'))
    expect(doctor.checks.find((check: {id: string}) => check.id === 'keys.protection')).toMatchObject({status: 'fail', found: expect.stringContaining('was deleted')})
    expect(result.stdout).toContain('uninstall exit 0')
    expect(result.stdout).toContain('was already gone from the credential store')
    expect(existsSync(home)).toBe(false)
  })

  it('uninstall deletes the CA’s entry from the credential store and says so', async () => {
    const store = newStore('uninstall')
    const home = path.join(dir, 'home-uninstall')
    expect((await inSession(store, home, lc('setup', '--no-trust'))).code).toBe(0)
    const account = accountOf(home)
    const result = await inSession(store, home, `${lc('uninstall', '--yes', '--stores', 'runtimes')} || exit 1
secret-tool search service localcert username ${account} 2>&1 | grep -c attribute.username; true`)
    expect(result.stdout).toContain(`Deleted the CA's secret from the credential store (service localcert, account ${account})`)
    expect(result.stdout.trimEnd().split('\n').pop()).toBe('0')
  })

  it('without any D-Bus session setup, status and doctor say `key protection: file — no credential store`; the next setup in a session upgrades it', async () => {
    const home = path.join(dir, 'home-migrate')
    const env = {...NO_BUS, LOCALCERT_HOME: home}
    const made = await cli(['setup', '--no-trust'], {home, env})
    expect(made.code, made.stderr).toBe(0)
    // the line wraps under its label on a narrow terminal: compare the words
    expect(made.stdout.replace(/\s+/g, ' ')).toContain('key protection: file — no credential store (no D-Bus session: DBUS_SESSION_BUS_ADDRESS is not set)')
    const status = await cli(['status'], {home, env})
    expect(status.stdout).toContain('key protection: file — no credential store')
    expect(status.stdout).toContain('  root:        plaintext PEM (0600)')
    const doctor = JSON.parse((await cli(['doctor', '--json', '--stores', 'runtimes'], {home, env})).stdout)
    expect(doctor.checks.find((check: {id: string}) => check.id === 'keys.protection')).toMatchObject({status: 'warn', found: expect.stringContaining('key protection: file — no credential store')})
    const fingerprint = JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')).root.fingerprint

    const store = newStore('migrate')
    const upgraded = await inSession(store, home, `${lc('setup', '--no-trust')} || exit 1
${lc('cert', 'app.localhost', '--cert-file', path.join(dir, 'migrated.pem'))}`)
    expect(upgraded.code, upgraded.stderr).toBe(0)
    expect(upgraded.stdout + upgraded.stderr).toContain('upgraded: the CA keys are now encrypted')
    expect(upgraded.stdout).toContain('key protection: keyring')
    expect(plaintextKeys(home)).toEqual([])
    // the same CA, only sealed: nothing to trust again
    expect(JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')).root.fingerprint).toBe(fingerprint)
  })

  it('a CA from before key protection: a setup killed in the middle of its upgrade leaves a CA that opens, and the next setup finishes the upgrade', async () => {
    const home = path.join(dir, 'home-killed')
    expect((await cli(['setup', '--no-trust'], {home, env: {...NO_BUS, LOCALCERT_HOME: home}})).code).toBe(0)
    // as a CA made before key protection: no protection in ca.json
    const metaFile = path.join(home, 'ca', 'ca.json')
    const {protection: _none, ...before} = JSON.parse(readFileSync(metaFile, 'utf8'))
    writeFileSync(metaFile, JSON.stringify(before, null, 2) + '\n', {mode: 0o600})
    expect((await cli(['status'], {home, env: {...NO_BUS, LOCALCERT_HOME: home}})).stdout).toContain('this CA was made before key protection')
    const store = newStore('killed')
    const result = await inSession(store, home, `LOCALCERT_PROTECT_PAUSE=60000 ${lc('setup', '--no-trust')} > /dev/null 2>&1 &
pid=$!
for i in $(seq 1 400); do grep -q 'ENCRYPTED' "$LOCALCERT_HOME"/ca/*-key.pem 2>/dev/null && break; sleep 0.05; done
kill -9 $pid; wait $pid
echo "sealed $(grep -l ENCRYPTED "$LOCALCERT_HOME"/ca/*-key.pem | wc -l) of $(ls "$LOCALCERT_HOME"/ca/*-key.pem | wc -l)"
${lc('cert', 'app.localhost', '--cert-file', path.join(dir, 'killed.pem'))}; echo "cert exit $?"
${lc('status')}
${lc('setup', '--no-trust')}; echo "setup exit $?"`)
    expect(result.stdout, result.stderr).toMatch(/sealed 1 of 2/)
    expect(result.stdout).toContain('cert exit 0')
    expect(result.stdout).toContain('an upgrade was interrupted')
    expect(result.stdout).toContain('setup exit 0')
    expect(plaintextKeys(home)).toEqual([])
  }, 60_000)
})
