import {X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {freePort} from '../support/net.js'
import {serveEndpoint, type ServedEndpoint} from '../support/serve.js'
import {expectVerifiedChain} from './support.js'

// lego (Debian ships 4.9.1) against `localcert serve`. lego wants a challenge solver configured, so it gets
// `--http --http.port 127.0.0.1:<free port>`; with names pre-authorized it logs "authorization already valid; skipping
// challenge" and never opens that port.
describe.skipIf(!hasTools('lego against localcert serve', 'lego', 'openssl'))('lego run/renew against `localcert serve`', () => {
  let endpoint: ServedEndpoint
  let httpPort: number
  const home = tempDir('localcert-lego-home-')
  const work = tempDir('localcert-lego-')
  const certificate = (name: string, ext: string) => path.join(work, 'certificates', `${name.replace('*', '_')}.${ext}`)

  /** lego with EAB, its state in `work`, a loopback http-01 solver, and trust for our root only (LEGO_CA_CERTIFICATES). */
  async function lego(keyType: string, names: string[], command: string[]) {
    const args = ['--server', endpoint.directoryUrl, '--eab', '--kid', endpoint.kid, '--hmac', endpoint.hmacKey, '--email', 'dev@app.localhost', '--accept-tos',
      '--path', work, '--key-type', keyType, '--http', '--http.port', `127.0.0.1:${httpPort}`, ...names.flatMap((name) => ['--domains', name]), ...command]
    const result = await sh('lego', args, {env: {LEGO_CA_CERTIFICATES: endpoint.rootFile}})
    return {...result, output: result.stdout + result.stderr}
  }

  beforeAll(async () => {
    endpoint = await serveEndpoint(home)
    httpPort = await freePort()
  })
  afterAll(async () => {
    expect(await endpoint?.stop()).toBe(0)
  })

  it('gets an ECDSA P-256 certificate for a name and its wildcard that openssl verifies against our root, skipping challenges', async () => {
    const result = await lego('ec256', ['app.localhost', '*.app.localhost'], ['run'])
    expect(result.code, result.output).toBe(0)
    expect(result.output.match(/authorization already valid; skipping challenge/g)).toHaveLength(2)
    const leaf = await expectVerifiedChain(certificate('app.localhost', 'crt'), certificate('app.localhost', 'key'), endpoint.rootFile, ['DNS:app.localhost', 'DNS:*.app.localhost'])
    expect(leaf.publicKey.asymmetricKeyDetails).toMatchObject({namedCurve: 'prime256v1'})
    // lego keeps the issuer apart too: our intermediate, which our root signed
    const issuer = new X509Certificate(readFileSync(certificate('app.localhost', 'issuer.crt')))
    expect(leaf.checkIssued(issuer)).toBe(true)
    expect(issuer.verify(new X509Certificate(readFileSync(endpoint.rootFile)).publicKey)).toBe(true)
  })

  it('gets an RSA-2048 certificate on the same account', async () => {
    const result = await lego('rsa2048', ['api.test'], ['run'])
    expect(result.code, result.output).toBe(0)
    const leaf = await expectVerifiedChain(certificate('api.test', 'crt'), certificate('api.test', 'key'), endpoint.rootFile, ['DNS:api.test'])
    expect(leaf.publicKey.asymmetricKeyDetails).toMatchObject({modulusLength: 2048})
  })

  it('renews at once with `renew --days 9999`: a new serial and a new key, still verified', async () => {
    const before = new X509Certificate(readFileSync(certificate('app.localhost', 'crt')))
    // --no-random-sleep: lego otherwise waits up to minutes when not on a terminal
    const result = await lego('ec256', ['app.localhost', '*.app.localhost'], ['renew', '--days', '9999', '--no-random-sleep'])
    expect(result.code, result.output).toBe(0)
    expect(result.output).toMatch(/Server responded with a certificate/)
    const after = await expectVerifiedChain(certificate('app.localhost', 'crt'), certificate('app.localhost', 'key'), endpoint.rootFile, ['DNS:app.localhost', 'DNS:*.app.localhost'])
    expect(after.serialNumber).not.toBe(before.serialNumber)
    expect(after.publicKey.export({format: 'jwk'})).not.toEqual(before.publicKey.export({format: 'jwk'}))
  })

  // Debian's lego 4.9.1 sends IP addresses as {"type": "dns"} identifiers and puts them in its CSR as dNSNames; we take
  // both as the IPs they are, so the leaf carries iPAddress SANs (a lego that sends RFC 8738 ip identifiers gets the same).
  it('gets iPAddress SANs for --domains 127.0.0.1 and ::1 next to a name, which openssl verifies', async () => {
    const result = await lego('ec256', ['127.0.0.1', 'ip.app.localhost', '::1'], ['run'])
    expect(result.code, result.output).toBe(0)
    expect(result.output.match(/authorization already valid; skipping challenge/g)).toHaveLength(3)
    await expectVerifiedChain(certificate('127.0.0.1', 'crt'), certificate('127.0.0.1', 'key'), endpoint.rootFile, ['IP Address:127.0.0.1', 'DNS:ip.app.localhost', 'IP Address:0:0:0:0:0:0:0:1'])
  })

})

// With --validate lego solves real challenges for the IPs it sends as dns identifiers: http-01 fetched from the IP, and
// tls-alpn-01 reached under the RFC 8738 reverse name with a certificate whose one SAN is the IP as lego writes it.
describe.skipIf(!hasTools('lego against localcert serve --validate', 'lego', 'openssl'))('lego solving challenges for IP addresses against `localcert serve --validate`', () => {
  let endpoint: ServedEndpoint
  let ports: {http: number; tls: number}
  const home = tempDir('localcert-lego-validate-home-')
  const work = tempDir('localcert-lego-validate-')

  beforeAll(async () => {
    ports = {http: await freePort(), tls: await freePort()}
    endpoint = await serveEndpoint(home, {args: ['--port', '0', '--json', '--validate', '--http-port', String(ports.http), '--tls-port', String(ports.tls)]})
  })
  afterAll(async () => {
    expect(await endpoint?.stop()).toBe(0)
  })

  it.each([
    ['127.0.0.1', 'http-01', (p: typeof ports) => ['--http', '--http.port', `127.0.0.1:${p.http}`], 'IP Address:127.0.0.1'],
    ['::1', 'tls-alpn-01', (p: typeof ports) => ['--tls', '--tls.port', `[::1]:${p.tls}`], 'IP Address:0:0:0:0:0:0:0:1'],
  ] as const)('validates %s by %s and issues an iPAddress SAN', async (name, _type, solver, san) => {
    const args = ['--server', endpoint.directoryUrl, '--eab', '--kid', endpoint.kid, '--hmac', endpoint.hmacKey, '--email', 'dev@app.localhost', '--accept-tos',
      '--path', work, '--key-type', 'ec256', ...solver(ports), '--domains', name, 'run']
    const result = await sh('lego', args, {env: {LEGO_CA_CERTIFICATES: endpoint.rootFile}})
    const output = result.stdout + result.stderr
    expect(result.code, output).toBe(0)
    expect(output).toMatch(/The server validated our request/)
    const file = (ext: string) => path.join(work, 'certificates', `${name}.${ext}`)
    await expectVerifiedChain(file('crt'), file('key'), endpoint.rootFile, [san])
  })
})
