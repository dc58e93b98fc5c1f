import {describe, expect, it, beforeAll} from 'vitest'
import {existsSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {cli, sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'

const mode = (file: string) => statSync(file).mode & 0o777

describe('localcert setup / cert / status / list', () => {
  let home: string
  let work: string
  let firstRoot: string

  beforeAll(async () => {
    home = path.join(tempDir(), 'home')
    work = tempDir()
    const setup = await cli(['setup', '--no-trust', '--json'], {home})
    expect(setup.code, setup.stderr).toBe(0)
    firstRoot = JSON.parse(setup.stdout).root.fingerprint
  })

  it('creates the CA once: a second setup reports the same root', async () => {
    const again = await cli(['setup', '--no-trust', '--json'], {home})
    expect(JSON.parse(again.stdout)).toMatchObject({created: false, root: {fingerprint: firstRoot}})
  })

  it('keeps the directory 0700 and every key 0600', () => {
    expect(mode(home)).toBe(0o700)
    expect(mode(path.join(home, 'ca'))).toBe(0o700)
    for (const file of readdirSync(path.join(home, 'ca')).filter((f) => f.endsWith('key.pem'))) {
      expect(mode(path.join(home, 'ca', file))).toBe(0o600)
    }
  })

  it('writes mkcert-style files: chain = leaf + intermediate, key 0600', async () => {
    const result = await cli(['cert', 'app.localhost', '*.app.localhost', 'localhost', '127.0.0.1', '::1'], {home, cwd: work})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain('./app.localhost+4.pem')
    const chain = readFileSync(path.join(work, 'app.localhost+4.pem'), 'utf8')
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2)
    expect(mode(path.join(work, 'app.localhost+4-key.pem'))).toBe(0o600)
  })

  it('names wildcard, IPv6 and client files the way mkcert does, and honours --cert-file/--key-file', async () => {
    expect((await cli(['cert', '*.app.localhost'], {home, cwd: work})).code).toBe(0)
    expect(existsSync(path.join(work, '_wildcard.app.localhost.pem'))).toBe(true)
    expect((await cli(['cert', '--client', '::1'], {home, cwd: work})).code).toBe(0)
    expect(existsSync(path.join(work, '__1-client-key.pem'))).toBe(true)
    expect((await cli(['cert', '--cert-file', 'tls.crt', '--key-file', 'tls.key', 'api.test'], {home, cwd: work})).code).toBe(0)
    expect(existsSync(path.join(work, 'tls.crt')) && existsSync(path.join(work, 'tls.key'))).toBe(true)
  })

  it('prints a JSON summary with --json', async () => {
    const result = await cli(['cert', '--json', '--days', '7', 'json.localhost'], {home, cwd: work})
    const summary = JSON.parse(result.stdout)
    expect(summary).toMatchObject({names: ['json.localhost'], keyType: 'ecdsa', caCreated: false})
    expect(Date.parse(summary.notAfter) - Date.parse(summary.notBefore)).toBe(7 * 86_400_000)
  })

  it('warns about a wildcard directly under a top-level name', async () => {
    const result = await cli(['cert', '*.localhost'], {home, cwd: work})
    expect(result.code).toBe(0)
    expect(result.stderr).toMatch(/Warning: \*\.localhost is a wildcard directly under a top-level name/)
  })

  it.each([
    [['example.com'], /example\.com is outside this CA's permitted names/, /--allow-domain example\.com/],
    [['8.8.8.8'], /8\.8\.8\.8 is outside/, /loopback and private addresses/],
    [['bad_name.localhost'], /"bad_name\.localhost" is not a valid host name/, /letters, digits and hyphens/],
    [['999.1.1.1'], /"999\.1\.1\.1" is not a valid IP address/, /127\.0\.0\.1/],
    [['a@@b.localhost'], /is not a valid email address/, /name@domain/],
    [['*.*.localhost'], /wildcard must be the whole left-most label/, /\*\.name/],
    [['--days', '900', 'app.localhost'], /lifetime must be a whole number of days from 1 to 825, not 900/, /Apple/],
    [[], /no names were given/, /localcert cert app\.localhost/],
  ])('refuses %j with one clear line and a hint, writing nothing', async (args, message, hint) => {
    const before = readdirSync(work).sort()
    const inventoryBefore = readFileSync(path.join(home, 'issued.jsonl'), 'utf8')
    const result = await cli(['cert', ...args], {home, cwd: work})
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(message)
    expect(result.stderr).toMatch(hint)
    expect(result.stderr).not.toMatch(/ at .*\.js:\d+/)
    expect(readdirSync(work).sort()).toEqual(before)
    expect(readFileSync(path.join(home, 'issued.jsonl'), 'utf8')).toBe(inventoryBefore)
  })

  it('reports errors as JSON with a stable code under --json', async () => {
    const result = await cli(['cert', '--json', 'example.com'], {home, cwd: work})
    expect(result.code).toBe(1)
    expect(JSON.parse(result.stdout)).toMatchObject({error: {code: 'NAME_NOT_ALLOWED'}})
  })

  it('does not create a CA for a name the new CA could not sign', async () => {
    const fresh = path.join(tempDir(), 'fresh')
    const result = await cli(['cert', 'example.com'], {home: fresh, cwd: work})
    expect(result.code).toBe(1)
    expect(existsSync(path.join(fresh, 'ca'))).toBe(false)
  })

  it('status shows the home, the root fingerprint, lifetimes, policy and the count of issued certificates', async () => {
    const result = await cli(['status', '--json'], {home})
    const status = JSON.parse(result.stdout)
    const meta = JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8'))
    expect(status).toMatchObject({home, exists: true, keyType: 'ecdsa', root: {fingerprint: meta.root.fingerprint}, policy: {constrained: true}})
    expect(status.issued.total).toBeGreaterThanOrEqual(5)
    const human = await cli(['status'], {home})
    expect(human.stdout).toContain(meta.root.fingerprint)
    expect(human.stdout).toMatch(/\*\.localhost, \*\.test/)
  })

  it('list shows what was issued, with names and files', async () => {
    const result = await cli(['list', '--json'], {home})
    const entries = JSON.parse(result.stdout) as Array<{names: string[]; certFile?: string; source: string}>
    const entry = entries.find((e) => e.names[0] === 'app.localhost')!
    expect(entry).toMatchObject({source: 'cli', certFile: path.join(work, 'app.localhost+4.pem')})
    expect((await cli(['list'], {home})).stdout).toMatch(/app\.localhost,\*\.app\.localhost/)
  })

  it('status on a machine with no CA says how to create one', async () => {
    const result = await cli(['status'], {home: path.join(tempDir(), 'none')})
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/No CA yet .* Run `localcert setup`/)
  })

  it('setup --allow-domain widens the policy at creation, and --no-name-constraints warns', async () => {
    const wide = path.join(tempDir(), 'wide')
    expect((await cli(['setup', '--no-trust', '--allow-domain', 'dev.example.com'], {home: wide})).code).toBe(0)
    expect((await cli(['cert', 'app.dev.example.com'], {home: wide, cwd: tempDir()})).code).toBe(0)
    expect((await cli(['cert', 'example.com'], {home: wide, cwd: tempDir()})).code).toBe(1)
    const open = await cli(['setup', '--no-trust', '--no-name-constraints'], {home: path.join(tempDir(), 'open')})
    expect(open.stderr).toMatch(/Warning: this CA has no name constraints/)
  })

  it.skipIf(!hasTools('CSR signing through the CLI', 'openssl'))('signs a CSR with --csr and writes only the certificate', async () => {
    const dir = tempDir()
    const made = await sh('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', path.join(dir, 'k.pem'), '-subj', '/CN=csr.localhost', '-addext', 'subjectAltName=DNS:csr.localhost', '-out', path.join(dir, 'app.csr')])
    expect(made.code).toBe(0)
    const result = await cli(['cert', '--csr', 'app.csr', '--cert-file', 'out.pem'], {home, cwd: dir})
    expect(result.code, result.stderr).toBe(0)
    expect(readFileSync(path.join(dir, 'out.pem'), 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(2)
    writeFileSync(path.join(dir, 'bad.csr'), '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n')
    const bad = await cli(['cert', '--csr', 'bad.csr'], {home, cwd: dir})
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/the CSR cannot be parsed/)
    // keys browsers refuse are refused here too, with what to do, and nothing is written
    for (const [name, keyArgs, message] of [
      ['weak', ['-newkey', 'rsa:1024'], /RSA keys must have 2048 to 8192 bits, this one has 1024/],
      ['ed', ['-newkey', 'ed25519'], /Ed25519 certificate keys are not accepted by browsers/],
      ['p521', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'], /ECDSA P-521 keys are not accepted/],
    ] as const) {
      const csr = await sh('openssl', ['req', '-new', ...keyArgs, '-nodes', '-keyout', path.join(dir, `${name}-k.pem`), '-subj', '/CN=csr.localhost', '-addext', 'subjectAltName=DNS:csr.localhost', '-out', path.join(dir, `${name}.csr`)])
      expect(csr.code, csr.stderr).toBe(0)
      const refused = await cli(['cert', '--csr', `${name}.csr`, '--cert-file', `${name}.pem`], {home, cwd: dir})
      expect({code: refused.code, stderr: refused.stderr}).toMatchObject({code: 1, stderr: expect.stringMatching(message)})
      expect(existsSync(path.join(dir, `${name}.pem`))).toBe(false)
    }
  })

  it('writes a PKCS#12 file with --pkcs12', async () => {
    const result = await cli(['cert', '--pkcs12', 'p12.localhost'], {home, cwd: work})
    expect(result.code, result.stderr).toBe(0)
    expect(mode(path.join(work, 'p12.localhost.p12'))).toBe(0o600)
  })
})
