import {appendFileSync, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createServer} from 'node:https'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {loadAuthority} from '../../src/ca/authority.js'
import {issueLeaf} from '../../src/ca/leaf.js'
import {parseNames} from '../../src/ca/names.js'
import {writeEndpoint, acmePaths} from '../../src/state/discovery.js'
import {cli, sh, tempDir} from '../support/env.js'
import {serveEndpoint} from '../support/serve.js'
import {hasTools} from '../support/tools.js'

// `localcert doctor` through the built CLI on a home that is healthy first (a CA, its root in a throw-away NSS
// database and in the runtime bundle, the variables of `localcert env` set), then broken one thing at a time.
// Only the NSS and runtime stores are checked (--stores): the machine's system store is never read into an assert.

interface Check {
  id: string
  status: 'ok' | 'warn' | 'fail'
  found: string
  fix?: string
  where?: string
}

let dir: string
let home: string
let userHome: string
let nssdb: string
let runtimeEnv: Record<string, string>

const baseEnv = () => ({HOME: userHome, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', SHELL: '/bin/bash', ...runtimeEnv})

async function doctor(env: NodeJS.ProcessEnv = {}, args: string[] = []) {
  const result = await cli(['doctor', '--stores', 'nss,runtimes', '--json', ...args], {home, cwd: dir, env: {...baseEnv(), ...env}})
  const report = JSON.parse(result.stdout) as {checks: Check[]; ok: boolean}
  const byId = (id: string) => report.checks.find((check) => check.id === id)
  return {...result, report, byId}
}

async function ok(command: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = await sh(command, args, {cwd: dir, env: {LOCALCERT_HOME: home, ...baseEnv(), ...env}})
  expect(result.code, `${command} ${args.join(' ')}: ${result.stderr}`).toBe(0)
  return result
}

/** A CA certificate of someone else's (a TLS-inspecting proxy's), made by openssl. */
async function corporateCa(name: string): Promise<string> {
  const file = path.join(dir, `${name.replace(/\W/g, '-')}.pem`)
  await ok('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${file}.key`, '-subj', `/O=Example Corp/CN=${name}`, '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', file])
  return file
}

describe.skipIf(!hasTools('localcert doctor', 'certutil', 'openssl'))('localcert doctor (built CLI)', () => {
  beforeAll(async () => {
    dir = tempDir('localcert-doctor-')
    home = path.join(dir, 'localcert')
    userHome = path.join(dir, 'home')
    nssdb = path.join(userHome, '.pki', 'nssdb')
    mkdirSync(nssdb, {recursive: true})
    runtimeEnv = {}
    await ok('certutil', ['-N', '--empty-password', '-d', `sql:${nssdb}`])
    expect((await cli(['setup', '--no-trust'], {home, cwd: dir})).code).toBe(0)
    expect((await cli(['trust', 'install', '--stores', 'nss,runtimes'], {home, cwd: dir, env: baseEnv()})).code).toBe(0)
    expect((await cli(['cert', 'localhost', '127.0.0.1'], {home, cwd: dir})).code).toBe(0)
    runtimeEnv = JSON.parse((await cli(['env', '--json'], {home, cwd: dir})).stdout).variables
  })

  it('a healthy home: exit code 0, {checks, ok: true}, every store place, variable and name checked, warnings only where nothing is broken', async () => {
    const {code, report, byId} = await doctor()
    expect(code).toBe(0)
    expect(report.ok).toBe(true)
    expect(Object.keys(report).sort()).toEqual(['checks', 'ok'])
    for (const check of report.checks) {
      expect(Object.keys(check).every((key) => ['id', 'status', 'found', 'fix', 'where'].includes(key)), JSON.stringify(check)).toBe(true)
      expect(['ok', 'warn', 'fail']).toContain(check.status)
      if (check.status !== 'ok') expect(check.fix ?? check.id, JSON.stringify(check)).toMatch(/\S/)
    }
    expect(report.checks.filter((check) => check.status === 'fail')).toEqual([])
    expect(byId('trust.nss')).toMatchObject({status: 'ok', found: 'trusts the current root', where: expect.stringContaining(nssdb)})
    expect(byId('trust.runtimes')).toMatchObject({status: 'ok', where: path.join(home, 'trust', 'bundle.pem')})
    for (const name of ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']) {
      expect(byId(`env.${name}`), name).toMatchObject({status: 'ok', where: runtimeEnv[name]})
    }
    expect(byId('names')).toMatchObject({status: 'ok', found: expect.stringContaining('resolves to this machine')})
    expect(byId('acme.endpoint')).toMatchObject({status: 'warn', fix: 'localcert serve'})
    expect(byId('keys.protection')).toMatchObject({status: 'warn', found: expect.stringContaining('key protection: file — no credential store')})
    expect(byId('keys.modes')).toMatchObject({status: 'ok'})
    expect(byId('keys.home')).toMatchObject({status: 'ok'})
    expect(byId('ca.intermediate')).toMatchObject({status: 'ok', found: expect.stringContaining('renewed automatically after')})
    expect(byId('ca.root')).toMatchObject({status: 'ok'})
    expect(byId('clock')).toMatchObject({status: 'ok'})
  })

  it('prints one line per check with ✓ / ! / ✗, then the fixes, within 100 columns and with no escape code into a pipe', async () => {
    const result = await cli(['doctor', '--stores', 'nss,runtimes'], {home, cwd: dir, env: baseEnv()})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).not.toMatch(/\u001b\[/)
    for (const line of result.stdout.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100)
    expect(result.stdout).toMatch(/^✓ trust\.nss +trusts the current root/m)
    expect(result.stdout).toMatch(/^! acme\.endpoint +not running/m)
    expect(result.stdout).toContain('To fix:\n')
    expect(result.stdout).toMatch(/^ {2}! localcert serve {3}\(acme\.endpoint\)$/m)
    expect(result.stdout.trimEnd().split('\n').at(-1)).toMatch(/^No problem found \(\d+ warnings?\)\.$/)

    // FORCE_COLOR colours the marks even into a pipe; NO_COLOR wins over it
    const forced = await cli(['doctor', '--stores', 'nss,runtimes'], {home, cwd: dir, env: {...baseEnv(), FORCE_COLOR: '1', NO_COLOR: ''}})
    expect(forced.stdout).toMatch(/^\u001b\[32m✓\u001b\[39m trust\.nss /m)
    const plain = await cli(['doctor', '--stores', 'nss,runtimes'], {home, cwd: dir, env: {...baseEnv(), FORCE_COLOR: '1', NO_COLOR: '1'}})
    expect(plain.stdout).not.toMatch(/\u001b\[/)
  })

  it('a store that no longer trusts the root is a failure with `localcert trust install --stores nss`, exit code 1; an old localcert root still trusted is a warning with its `trust uninstall --fingerprint`', async () => {
    const root = readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8')
    const nickname = (await ok('certutil', ['-L', '-d', `sql:${nssdb}`])).stdout.match(/^(localcert-[0-9a-f]{16})/m)![1]!
    await ok('certutil', ['-D', '-n', nickname, '-d', `sql:${nssdb}`])
    const untrusted = await doctor()
    expect(untrusted.code).toBe(1)
    expect(untrusted.report.ok).toBe(false)
    expect(untrusted.byId('trust.nss')).toMatchObject({status: 'fail', found: 'does not trust the current root', fix: 'localcert trust install --stores nss'})

    // an old CA of this user's, still trusted beside the current root
    const oldHome = path.join(dir, 'old-ca')
    expect((await cli(['setup', '--no-trust'], {home: oldHome, cwd: dir})).code).toBe(0)
    const oldFingerprint = (await ok('openssl', ['x509', '-in', path.join(oldHome, 'ca', 'root.pem'), '-noout', '-fingerprint', '-sha256'])).stdout.split('=')[1]!.replace(/:/g, '').trim().toLowerCase()
    writeFileSync(path.join(dir, 'current-root.pem'), root)
    await ok('certutil', ['-A', '-n', nickname, '-t', 'C,,', '-i', path.join(dir, 'current-root.pem'), '-d', `sql:${nssdb}`])
    await ok('certutil', ['-A', '-n', 'old-localcert', '-t', 'C,,', '-i', path.join(oldHome, 'ca', 'root.pem'), '-d', `sql:${nssdb}`])
    const old = await doctor()
    expect(old.code).toBe(0)
    expect(old.byId('trust.nss')).toMatchObject({status: 'warn', found: expect.stringContaining(oldFingerprint.slice(0, 16)), fix: `localcert trust uninstall --fingerprint ${oldFingerprint.slice(0, 16)}`})
    await ok('certutil', ['-D', '-n', 'old-localcert', '-d', `sql:${nssdb}`])
    expect((await doctor()).byId('trust.nss')).toMatchObject({status: 'ok'})
  })

  it('a key file chmod 644 is a failure with the chmod that fixes it, exit code 1; a state directory open to others too', async () => {
    const key = (await ok('sh', ['-c', `ls ${path.join(home, 'ca')}/intermediate-*-key.pem`])).stdout.trim()
    chmodSync(key, 0o644)
    chmodSync(home, 0o755)
    try {
      const {code, byId} = await doctor()
      expect(code).toBe(1)
      expect(byId('keys.modes')).toMatchObject({status: 'fail', found: expect.stringContaining(key), fix: `chmod 600 ${key}`})
      expect(byId('keys.home')).toMatchObject({status: 'fail', fix: `chmod 700 ${home}`})
      // the fixes it prints do fix it
      await ok('sh', ['-c', `${byId('keys.modes')!.fix} && ${byId('keys.home')!.fix}`])
      expect((await doctor()).code).toBe(0)
    } finally {
      chmodSync(key, 0o600)
      chmodSync(home, 0o700)
    }
  })

  it('NODE_EXTRA_CA_CERTS naming a corporate CA file without our root fails and shows that CA; a bundle that dropped the CA it names is a warning', async () => {
    const corp = await corporateCa('Corp Proxy Root')
    const onlyCorp = await doctor({NODE_EXTRA_CA_CERTS: corp})
    expect(onlyCorp.code).toBe(1)
    expect(onlyCorp.byId('env.NODE_EXTRA_CA_CERTS')).toMatchObject({status: 'fail', found: expect.stringMatching(/without localcert's root \(1 certificate; keeps your CA Corp Proxy Root\)/), fix: 'eval "$(localcert env)"', where: corp})
    // the other variables still name localcert's bundle, which lacks the corporate CA
    expect(onlyCorp.byId('env.SSL_CERT_FILE')).toMatchObject({status: 'warn', found: expect.stringContaining('not 1 CA that NODE_EXTRA_CA_CERTS names (Corp Proxy Root)'), fix: 'eval "$(localcert env)"'})

    // both CAs in one file (what a user who keeps the proxy's CA wants): NODE_EXTRA_CA_CERTS is fine and says so
    const both = path.join(dir, 'corp-and-localcert.pem')
    writeFileSync(both, readFileSync(corp, 'utf8') + readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8'))
    const kept = await doctor({NODE_EXTRA_CA_CERTS: both})
    expect(kept.code).toBe(0)
    expect(kept.byId('env.NODE_EXTRA_CA_CERTS')).toMatchObject({status: 'ok', found: "holds localcert's root; keeps your CA Corp Proxy Root"})
    expect(kept.byId('env.CURL_CA_BUNDLE')).toMatchObject({status: 'warn'})

    const missing = await doctor({NODE_EXTRA_CA_CERTS: path.join(dir, 'gone.pem')})
    expect(missing.byId('env.NODE_EXTRA_CA_CERTS')).toMatchObject({status: 'fail', found: expect.stringContaining('cannot be read')})
    const unset = await doctor({NODE_EXTRA_CA_CERTS: '', SHELL: '/usr/bin/fish'})
    expect(unset.code).toBe(0)
    expect(unset.byId('env.unset')).toMatchObject({status: 'warn', found: expect.stringContaining('NODE_EXTRA_CA_CERTS'), fix: 'localcert env | source'})
  })

  it('a running endpoint: ok when its certificate chains to the current root; one serving an expired certificate of its own fails with the restart', async () => {
    const served = await serveEndpoint(home)
    try {
      const running = await doctor()
      expect(running.byId('acme.endpoint')).toMatchObject({status: 'ok', found: expect.stringContaining(`running at ${served.directoryUrl} (pid ${served.pid}); its certificate chains to the current root`)})
    } finally {
      expect(await served.stop()).toBe(0)
    }

    // an endpoint whose own certificate ran out (issued 40 days ago for 30), announced as `serve` announces itself
    const ca = (await loadAuthority(home))!
    const expired = await issueLeaf(ca, parseNames(['localhost', '127.0.0.1']), {days: 30, now: new Date(Date.now() - 40 * 86_400_000)})
    const server = createServer({cert: expired.chainPem, key: expired.keyPem}, (_request, response) => response.end('{}'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as {port: number}).port
    await writeEndpoint(home, {directoryUrl: `https://127.0.0.1:${port}/directory`, port, pid: process.pid, startedAt: new Date().toISOString()})
    try {
      const {code, byId} = await doctor()
      expect(code).toBe(1)
      expect(byId('acme.endpoint')).toMatchObject({status: 'fail', found: expect.stringContaining('its own certificate expired'), fix: `kill ${process.pid} && localcert serve`})
    } finally {
      rmSync(acmePaths(home).endpoint, {force: true})
      server.close()
    }
  })

  it('the clock went back: an issuance from the future is a failure with the NTP fix', async () => {
    const inventory = path.join(home, 'issued.jsonl')
    const before = readFileSync(inventory)
    // what issued.jsonl holds after a certificate was issued while the clock ran a day ahead
    const line = JSON.parse(before.toString().trim().split('\n')[0]!)
    appendFileSync(inventory, JSON.stringify({...line, serial: 'ff', issuedAt: new Date(Date.now() + 86_400_000).toISOString()}) + '\n')
    try {
      const {code, byId} = await doctor()
      expect(code).toBe(1)
      expect(byId('clock')).toMatchObject({status: 'fail', found: expect.stringContaining('the clock is behind'), fix: 'sudo timedatectl set-ntp true'})
    } finally {
      writeFileSync(inventory, before)
    }
  })

  it('an issued name that does not resolve (app.test) fails with `localcert hosts add app.test`, exit code 1', async () => {
    expect((await cli(['cert', 'app.test'], {home, cwd: dir})).code).toBe(0)
    const {code, report, byId} = await doctor()
    expect(code).toBe(1)
    expect(report.ok).toBe(false)
    expect(byId('names.app.test')).toMatchObject({status: 'fail', found: expect.stringContaining('app.test does not resolve'), fix: 'localcert hosts add app.test'})
  })

  it('without a CA: one failure, `localcert setup`', async () => {
    const result = await cli(['doctor', '--json'], {home: path.join(dir, 'nothing-here'), cwd: dir})
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toEqual({checks: [{id: 'ca', status: 'fail', found: `there is no CA in ${path.join(dir, 'nothing-here')}`, fix: 'localcert setup'}], ok: false})
  })

  it('a CA whose ca.json cannot be read: one failure with what to do, not a crash', async () => {
    const broken = path.join(dir, 'broken')
    expect((await cli(['setup', '--no-trust'], {home: broken, cwd: dir})).code).toBe(0)
    writeFileSync(path.join(broken, 'ca', 'ca.json'), 'not json')
    const result = await cli(['doctor'], {home: broken, cwd: dir})
    expect(result.code).toBe(1)
    expect(result.stdout).toMatch(/^✗ ca +.*ca\.json cannot be parsed/m)
    expect(result.stdout).toContain('localcert uninstall --yes')
  })
})

describe("doctor's lifetime checks on a real CA, seen from later moments", () => {
  it('the intermediate past its renewal point is information (it renews itself); an expired root fails with `localcert rotate --root`', async () => {
    const {openAuthority} = await import('../../src/ca/authority.js')
    const {lifetimeChecks} = await import('../../src/doctor/ca-health.js')
    const {meta} = await openAuthority(path.join(tempDir('localcert-doctor-life-'), 'localcert'))
    const day = 86_400_000
    const renewalDue = Date.parse(meta.intermediate.notAfter) - 100 * day
    expect(lifetimeChecks(meta, renewalDue)).toEqual([
      {id: 'ca.root', status: 'ok', found: expect.stringContaining('the root is valid until')},
      {id: 'ca.intermediate', status: 'ok', found: expect.stringContaining('a third of its life is left, so the next certificate issued renews it')},
    ])
    const nearRootEnd = Date.parse(meta.root.notAfter) - 30 * day
    expect(lifetimeChecks(meta, nearRootEnd)[0]).toMatchObject({status: 'warn', fix: 'localcert rotate --root'})
    const afterRoot = Date.parse(meta.root.notAfter) + day
    expect(lifetimeChecks(meta, afterRoot)).toEqual([
      {id: 'ca.root', status: 'fail', found: expect.stringContaining('the root expired'), fix: 'localcert rotate --root'},
      {id: 'ca.intermediate', status: 'fail', found: expect.stringContaining('none can outlive the expired root'), fix: 'localcert rotate --root'},
    ])
  })
})
