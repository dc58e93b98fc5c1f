import {once} from 'node:events'
import {copyFileSync, existsSync, readFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {serveEndpoint, type ServedEndpoint} from '../support/serve.js'
import {expectVerifiedChain} from './support.js'

// Debian's certbot (2.1) against `localcert serve`. Names in the CA's policy are pre-authorized, so certbot needs an
// authenticator only to satisfy its own option parsing: `--manual` with a hook that leaves a marker file has no side
// effects, and the marker proves certbot never had a challenge to solve. `--standalone` (what the README shows) works
// too and never binds its http-01 port: one test keeps that port busy to prove it.
// certbot 2.1 has no `--ip-address` option and refuses IP addresses in -d (asserted below), so IP identifiers are
// proven with lego and acme-client instead.
describe.skipIf(!hasTools('certbot against localcert serve', 'certbot', 'openssl'))('certbot certonly/renew/revoke against `localcert serve`', () => {
  let endpoint: ServedEndpoint
  const home = tempDir('localcert-certbot-home-')
  const work = tempDir('localcert-certbot-')
  const marker = path.join(work, 'challenge-hook-ran')
  const dirs = ['--config-dir', path.join(work, 'config'), '--work-dir', path.join(work, 'work'), '--logs-dir', path.join(work, 'logs')]
  const live = (name: string, file: string) => path.join(work, 'config', 'live', name, file)

  /** certbot with our server, EAB, private directories and trust for our root only (REQUESTS_CA_BUNDLE). */
  async function certbot(args: string[]) {
    const result = await sh('certbot', [...args, '--non-interactive', '--server', endpoint.directoryUrl, ...dirs], {env: {REQUESTS_CA_BUNDLE: endpoint.rootFile}})
    return {...result, output: result.stdout + result.stderr}
  }
  function certonly(args: string[]) {
    return certbot(['certonly', '--agree-tos', '--register-unsafely-without-email', '--eab-kid', endpoint.kid, '--eab-hmac-key', endpoint.hmacKey,
      '--manual', '--manual-auth-hook', `touch ${marker}`, '--preferred-challenges', 'http', ...args])
  }

  beforeAll(async () => {
    endpoint = await serveEndpoint(home)
  })
  afterAll(async () => {
    expect(await endpoint?.stop()).toBe(0)
  })

  it('registers with EAB and gets an ECDSA certificate for two names that openssl verifies against our root, without any challenge', async () => {
    const result = await certonly(['--key-type', 'ecdsa', '--cert-name', 'ecdsa', '-d', 'app.localhost', '-d', 'api.app.localhost'])
    expect(result.code, result.output).toBe(0)
    expect(result.output).toMatch(/Account registered/)
    expect(result.output).toMatch(/Successfully received certificate/)
    const leaf = await expectVerifiedChain(live('ecdsa', 'fullchain.pem'), live('ecdsa', 'privkey.pem'), endpoint.rootFile, ['DNS:app.localhost', 'DNS:api.app.localhost'])
    expect(leaf.publicKey.asymmetricKeyDetails).toMatchObject({namedCurve: 'prime256v1'})
    expect(readFileSync(live('ecdsa', 'chain.pem'), 'utf8')).toBe(readFileSync(live('ecdsa', 'fullchain.pem'), 'utf8').replace(readFileSync(live('ecdsa', 'cert.pem'), 'utf8'), ''))
    expect(existsSync(marker)).toBe(false)
  })

  it('gets an RSA-2048 certificate on the same account (no second registration)', async () => {
    const result = await certonly(['--key-type', 'rsa', '--rsa-key-size', '2048', '--cert-name', 'rsa', '-d', 'api.test'])
    expect(result.code, result.output).toBe(0)
    expect(result.output).not.toMatch(/Account registered/)
    const leaf = await expectVerifiedChain(live('rsa', 'fullchain.pem'), live('rsa', 'privkey.pem'), endpoint.rootFile, ['DNS:api.test'])
    expect(leaf.publicKey.asymmetricKeyDetails).toMatchObject({modulusLength: 2048})
    expect(existsSync(marker)).toBe(false)
  })

  it('works the way the README shows it, with --standalone: the http-01 port is taken by someone else and certbot never needs it', async () => {
    const squatter = net.createServer().listen(0, '127.0.0.1')
    await once(squatter, 'listening')
    try {
      const {port} = squatter.address() as net.AddressInfo
      const result = await certbot(['certonly', '--agree-tos', '--register-unsafely-without-email', '--standalone', '--http-01-address', '127.0.0.1', '--http-01-port', String(port),
        '--cert-name', 'standalone', '-d', 'web.localhost'])
      expect(result.code, result.output).toBe(0)
      await expectVerifiedChain(live('standalone', 'fullchain.pem'), live('standalone', 'privkey.pem'), endpoint.rootFile, ['DNS:web.localhost'])
    } finally {
      squatter.close()
    }
  })

  it('refuses -d 127.0.0.1 itself with "is an IP address" (certbot 2.1 has no IP support), as the README says', async () => {
    const result = await certonly(['--cert-name', 'ip', '-d', '127.0.0.1'])
    expect(result.code).not.toBe(0)
    expect(result.output).toMatch(/Requested name 127\.0\.0\.1 is an IP address/)
    expect(existsSync(live('ip', 'cert.pem'))).toBe(false)
  })

  it('renews with `certbot renew --force-renewal` from its saved renewal config: a new serial, still verified', async () => {
    const before = await expectVerifiedChain(live('ecdsa', 'fullchain.pem'), live('ecdsa', 'privkey.pem'), endpoint.rootFile, ['DNS:app.localhost', 'DNS:api.app.localhost'])
    const result = await certbot(['renew', '--force-renewal', '--no-random-sleep-on-renew', '--cert-name', 'ecdsa'])
    expect(result.code, result.output).toBe(0)
    expect(result.output).toMatch(/Congratulations, all renewals succeeded/)
    const after = await expectVerifiedChain(live('ecdsa', 'fullchain.pem'), live('ecdsa', 'privkey.pem'), endpoint.rootFile, ['DNS:app.localhost', 'DNS:api.app.localhost'])
    expect(after.serialNumber).not.toBe(before.serialNumber)
    expect(existsSync(marker)).toBe(false)
  })

  it('revokes by account key and by certificate key, and a second revocation is refused as alreadyRevoked', async () => {
    // keep copies: certbot deletes a lineage after revoking it
    const certCopy = path.join(work, 'rsa-cert.pem')
    const keyCopy = path.join(work, 'rsa-key.pem')
    copyFileSync(live('rsa', 'cert.pem'), certCopy)
    copyFileSync(live('rsa', 'privkey.pem'), keyCopy)
    const byAccount = await certbot(['revoke', '--cert-name', 'ecdsa', '--reason', 'superseded', '--delete-after-revoke'])
    expect(byAccount.code, byAccount.output).toBe(0)
    expect(byAccount.output).toMatch(/Congratulations! You have successfully revoked the certificate/)
    expect(existsSync(live('ecdsa', 'cert.pem'))).toBe(false)

    const byCertificateKey = await certbot(['revoke', '--cert-path', certCopy, '--key-path', keyCopy, '--reason', 'keycompromise', '--no-delete-after-revoke'])
    expect(byCertificateKey.code, byCertificateKey.output).toBe(0)
    const again = await certbot(['revoke', '--cert-path', certCopy, '--key-path', keyCopy, '--no-delete-after-revoke'])
    expect(again.code).not.toBe(0)
    // certbot 2.1 with Debian's josepy crashes while printing any ACME error ("AttributeError: can't set attribute");
    // the problem document it received is in its log
    const log = readFileSync(path.join(work, 'logs', 'letsencrypt.log'), 'utf8')
    expect(log).toMatch(/urn:ietf:params:acme:error:alreadyRevoked :: .* :: certificate [0-9a-f]+ was already revoked on \d{4}-/)
  })
})
