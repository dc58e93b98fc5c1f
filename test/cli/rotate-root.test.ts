import {copyFileSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseRoot, type TrustRoot} from '../../src/trust/root.js'
import {fetchTrusting, startDevServer, type DevServer} from '../support/dev-server.js'
import {BIN, cli, tempDir} from '../support/env.js'
import {sourceProgram} from '../support/program.js'
import {hasTools} from '../support/tools.js'
import {holdSystemTrust, runsAsRoot, snapshotSystemTrust} from '../trust/support/real.js'
import {all, makeNssDb, verifiesWith, neverNeither, pausingRotate, rootOf, scrubSystem, type Places} from './rotate-root-helpers.js'

// `localcert rotate --root --yes --reissue` end to end, as a user runs it: the built CLI as a child process that
// pauses after each step (LOCALCERT_ROTATE_PAUSE), checked there against the real Debian system store (as root), a
// real NSS database, a copy of the JDK's cacerts, the runtime bundle, a live https server using autoRenew and a
// running `localcert serve`. The machine's trust is byte-identical at the end.

const JAVA_CACERTS = '/etc/ssl/certs/java/cacerts'
const runsHere = runsAsRoot('localcert rotate --root') && hasTools('localcert rotate --root', 'update-ca-certificates', 'certutil', 'keytool', 'openssl')

/** True when the server on `port` presents a chain that verifies against `root` (and only it) for localhost. */
const chainsTo = (port: number, root: TrustRoot, pathname = '/') =>
  fetchTrusting(`https://127.0.0.1:${port}${pathname}`, root.pem, {servername: 'localhost', timeoutMs: 5_000}).then(() => true, () => false)

async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 300; tries++) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`never happened: ${what}`)
}

const LIVE_SERVER = `
import https from 'node:https'
import {autoRenew, httpsOptions} from 'SRC/api/dev-server.ts'
const names = ['localhost', '127.0.0.1']
const first = await httpsOptions(names)
const server = https.createServer({key: first.key, cert: first.cert}, (request, response) => response.end('live\\n'))
server.listen(0, '127.0.0.1', () => console.log('PORT=' + server.address().port))
autoRenew(server, names, {current: first, onRenew: (next) => console.log('RENEWED ' + next.serial), onError: (error) => console.log('ERROR ' + error.message)})
`

describe.skipIf(!runsHere)('localcert rotate --root (built CLI, real stores, as root)', () => {
  it('trusts the new root where the old one is, switches, moves a live autoRenew server and `serve`, re-signs `cert` files in place, then removes the old root: no store trusts neither at any step', async () => {
    const release = await holdSystemTrust()
    const before = snapshotSystemTrust()
    const dir = tempDir('localcert-rotate-root-')
    const home = path.join(dir, 'state')
    const userHome = path.join(dir, 'home')
    const jdk = path.join(dir, 'jdk')
    mkdirSync(path.join(jdk, 'lib', 'security'), {recursive: true})
    copyFileSync(realpathSync(JAVA_CACERTS), path.join(jdk, 'lib', 'security', 'cacerts'))
    const places: Places = {home, nssdbs: [await makeNssDb(path.join(userHome, '.pki', 'nssdb'))], jdk, system: true}
    const env = {HOME: userHome, SHELL: '/bin/bash', XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''}
    let oldRoot: TrustRoot | undefined
    let newRoot: TrustRoot | undefined
    const servers: DevServer[] = []
    let after = ''
    let uninstall: Awaited<ReturnType<typeof cli>> | undefined
    try {
      expect((await cli(['setup', '--no-trust'], {home, env})).code).toBe(0)
      const trusted = await cli(['trust', 'install', '--java-home', jdk, '--json'], {home, env})
      expect(trusted.code, trusted.stdout + trusted.stderr).toBe(0)
      oldRoot = rootOf(home)
      const certFile = path.join(dir, 'app.pem')
      const keyFile = path.join(dir, 'app-key.pem')
      expect((await cli(['cert', '--cert-file', certFile, '--key-file', keyFile, 'app.localhost'], {home, env})).code).toBe(0)
      const live = await startDevServer(process.execPath, [await sourceProgram(LIVE_SERVER, path.join(dir, 'live.mjs'))], {cwd: dir, env: {...env, LOCALCERT_HOME: home}, readyWhen: /PORT=\d+/})
      servers.push(live)
      const livePort = Number(/PORT=(\d+)/.exec(live.output())![1])
      const serve = await startDevServer(process.execPath, [BIN, 'serve', '--port', '0'], {cwd: dir, env: {...env, LOCALCERT_HOME: home}, readyWhen: /https:\/\/\S+\/directory/})
      servers.push(serve)
      const servePort = JSON.parse(readFileSync(path.join(home, 'acme', 'endpoint.json'), 'utf8')).port as number

      const start = await neverNeither(oldRoot, undefined, places)
      expect(all(start.old, true), JSON.stringify(start.old)).toBe(true)
      expect(await chainsTo(livePort, oldRoot)).toBe(true)
      expect(await chainsTo(servePort, oldRoot, '/directory')).toBe(true)

      const rotate = pausingRotate(['--root', '--yes', '--reissue', '--java-home', jdk, '--json'], {home, env, pauseFile: path.join(dir, 'pause')})
      const seen: string[] = []
      for (let step = await rotate.paused(); step; step = await rotate.paused()) {
        seen.push(step)
        const staged = path.join(home, 'ca', 'staged-root', 'root.pem')
        newRoot ??= existsSync(staged) ? parseRoot(readFileSync(staged, 'utf8'), 'the staged root') : undefined
        const {old, fresh} = await neverNeither(oldRoot, newRoot, places)
        if (step === 'staged') {
          // staged only: the CA and every store are as they were
          expect(all(old, true) && all(fresh, false), JSON.stringify({old, fresh})).toBe(true)
          expect(rootOf(home).fingerprint).toBe(oldRoot.fingerprint)
        }
        if (step === 'installed') {
          expect(all(old, true) && all(fresh, true), JSON.stringify({old, fresh})).toBe(true)
          expect(rootOf(home).fingerprint).toBe(oldRoot.fingerprint)
          expect(await chainsTo(livePort, oldRoot)).toBe(true)
        }
        if (step === 'switched' || step === 'moved' || step === 'reissued') {
          expect(all(old, true) && all(fresh, true), JSON.stringify({old, fresh})).toBe(true)
          expect(rootOf(home).fingerprint).toBe(newRoot!.fingerprint)
          expect(existsSync(path.join(home, 'ca', 'root-key.pem'))).toBe(true)
          await eventually(() => chainsTo(livePort, newRoot!), 'the autoRenew server moves to the new chain')
          await eventually(() => chainsTo(servePort, newRoot!, '/directory'), '`localcert serve` moves to the new chain')
        }
        rotate.resume()
      }
      const done = await rotate.exited
      expect(done.code, done.stdout + done.stderr).toBe(0)
      expect(seen).toEqual(['staged', 'installed', 'switched', 'moved', 'reissued'])
      const result = JSON.parse(done.stdout)
      expect(result).toMatchObject({completed: true, resumed: false, previousRoot: oldRoot.fingerprint, root: newRoot!.fingerprint, endpoint: {port: servePort, moved: true}})
      expect(result.reissued).toEqual([expect.objectContaining({file: certFile, status: 'reissued'})])
      expect(result.installed.map((row: {status: string}) => row.status)).not.toContain('failed')

      const end = await neverNeither(oldRoot, newRoot, places)
      expect(all(end.old, false) && all(end.fresh, true), JSON.stringify(end)).toBe(true)
      expect(await chainsTo(livePort, newRoot!)).toBe(true)
      expect(await chainsTo(livePort, oldRoot)).toBe(false)
      expect(await chainsTo(servePort, newRoot!, '/directory')).toBe(true)
      // the `cert` file was re-signed in place, same names and modes, and chains to the new root only
      const chain = readFileSync(certFile, 'utf8')
      expect(await verifiesWith(chain, newRoot!.pem, dir, ['-purpose', 'sslserver', '-verify_hostname', 'app.localhost'])).toBe(true)
      expect(await verifiesWith(chain, oldRoot.pem, dir)).toBe(false)
      expect(statSync(keyFile).mode & 0o777).toBe(0o600)
      // the old root is kept as a certificate (and listed), never as a key
      const meta = JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8'))
      expect(meta.previousRoots).toEqual([oldRoot.fingerprint])
      expect(meta.retiring).toBeUndefined()
      expect(readFileSync(path.join(home, 'ca', 'retired', `root-${oldRoot.fingerprint}.pem`), 'utf8')).toBe(oldRoot.pem)
      expect(readFileSync(path.join(home, 'ca', 'root-key.pem'), 'utf8')).not.toBe('')
      expect(existsSync(path.join(home, 'ca', 'staged-root'))).toBe(false)
    } finally {
      for (const server of servers) await server.stop()
      uninstall = await cli(['uninstall', '--yes', '--java-home', jdk, '--json'], {home, env})
      await scrubSystem(home, [oldRoot, newRoot])
      after = snapshotSystemTrust()
      await release()
    }
    expect(uninstall.code, uninstall.stdout + uninstall.stderr).toBe(0)
    expect(after).toBe(before)
    // it waits for the machine-wide trust lock, then runs a JVM and certutil at every step
  }, 600_000)
})
