import {X509Certificate} from 'node:crypto'
import {beforeAll, describe, expect, it} from 'vitest'
import {rotateIntermediate} from '../../src/ca/authority.js'
import {loadX509} from '../../src/ca/x509.js'
import type {AcmeServer} from '../../src/acme/server.js'
import {tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {opensslCsr, RawClient, request, testServer, type AcmeDirectory, type KeyKind} from './support.js'

/** RFC 9773 §4.1 computed independently from the leaf: base64url(AKI keyIdentifier).base64url(DER serial). */
async function ariIdOf(pem: string): Promise<string> {
  const x509 = await loadX509()
  const cert = new x509.X509Certificate(pem)
  const aki = cert.getExtension(x509.AuthorityKeyIdentifierExtension)!
  const der = new Uint8Array(cert.rawData)
  // tbsCertificate → [0] version → serial INTEGER: read it straight from the DER rather than trusting a library's hex
  let offset = 0
  const skipHeader = () => {
    offset++
    const length = der[offset++]!
    if (length & 0x80) offset += length & 0x7f
  }
  skipHeader() // Certificate SEQUENCE
  skipHeader() // tbsCertificate SEQUENCE
  offset += 2 + der[offset + 1]! // [0] EXPLICIT version
  const serialLength = der[offset + 1]!
  const serial = Buffer.from(Array.from(der.subarray(offset + 2, offset + 2 + serialLength)))
  return `${Buffer.from(aki.keyId!, 'hex').toString('base64url')}.${serial.toString('base64url')}`
}

describe.skipIf(!hasTools('ACME protocol behaviour', 'openssl'))('protocol behaviour (RFC 8555, 8738, 9773, profiles)', () => {
  let server: AcmeServer
  let client: RawClient
  let dir: AcmeDirectory
  const work = tempDir('localcert-acme-proto-')

  beforeAll(async () => {
    server = await testServer()
    client = new RawClient(server)
    await client.register()
    dir = await client.dir()
  })

  async function issue(c: RawClient, names: string[], extra: Record<string, unknown> = {}) {
    const order = await c.order(names.map((value) => ({type: 'dns', value})), extra)
    expect(order.status, order.text).toBe(201)
    const done = await c.post(order.json.finalize, {csr: opensslCsr(work, names).csr})
    expect(done.status, done.text).toBe(200)
    const pem = (await c.post(done.json.certificate, undefined)).text
    return {order, done, pem}
  }

  it('serves a directory with every resource, EAB required and the profiles', async () => {
    const origin = server.url.replace('/directory', '')
    expect(dir).toEqual({
      newNonce: `${origin}/acme/new-nonce`,
      newAccount: `${origin}/acme/new-account`,
      newOrder: `${origin}/acme/new-order`,
      revokeCert: `${origin}/acme/revoke-cert`,
      keyChange: `${origin}/acme/key-change`,
      renewalInfo: `${origin}/acme/renewal-info`,
      meta: {externalAccountRequired: true, profiles: {default: expect.any(String), shortlived: expect.any(String)}},
    })
  })

  it('hands out nonces on HEAD (200) and GET (204) with Cache-Control: no-store and Link rel="index"', async () => {
    for (const [method, status] of [['HEAD', 200], ['GET', 204]] as const) {
      const response = await request(dir.newNonce, server.rootPem, {method})
      expect(response.status).toBe(status)
      expect(response.headers['replay-nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/)
      expect(response.headers['cache-control']).toBe('no-store')
      expect(response.headers.link).toContain(`<${server.url}>;rel="index"`)
    }
  })

  it('builds URLs from the Host the client used, so 127.0.0.1 and [::1] work as well as localhost', async () => {
    for (const host of ['127.0.0.1', '[::1]']) {
      const url = server.url.replace('localhost', host)
      const response = await request(url, server.rootPem)
      expect(response.json.newOrder).toBe(url.replace('/directory', '/acme/new-order'))
    }
  })

  it.each<KeyKind>(['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA'])('accepts %s account keys', async (kind) => {
    const c = new RawClient(server, kind)
    expect((await c.register()).status).toBe(201)
    expect((await c.order([{type: 'dns', value: 'alg.localhost'}])).status).toBe(201)
  })

  it('creates an account once: 201 with Location, then 200 with the same Location, reflecting the EAB', async () => {
    const c = new RawClient(server)
    const first = await c.register({contact: ['mailto:dev@app.localhost']})
    expect(first.status).toBe(201)
    expect(first.json).toMatchObject({status: 'valid', contact: ['mailto:dev@app.localhost'], orders: `${first.headers.location}/orders`})
    expect(JSON.parse(Buffer.from(first.json.externalAccountBinding.protected, 'base64url').toString())).toMatchObject({alg: 'HS256', kid: server.eab!.kid})
    const again = await c.post(dir.newAccount, {onlyReturnExisting: true}, {jwk: c.key.jwk, kid: undefined})
    expect(again.status).toBe(200)
    expect(again.headers.location).toBe(first.headers.location)
  })

  it('accepts application/jose+json with a charset and requests without a User-Agent', async () => {
    const response = await client.post(dir.newOrder, {identifiers: [{type: 'dns', value: 'charset.localhost'}]}, {}, {contentType: 'application/jose+json; charset=utf-8'})
    expect(response.status).toBe(201)
    expect(response.headers['content-type']).toBe('application/json')
    expect(response.headers.link).toContain('rel="index"')
  })

  it('answers finalize synchronously: valid, certificate URL, Location; the chain is leaf + intermediate', async () => {
    const {order, done, pem} = await issue(client, ['sync.localhost'])
    expect(done.json.status).toBe('valid')
    expect(done.headers.location).toBe(order.headers.location)
    expect(done.json.certificate).toMatch(/\/acme\/cert\//)
    const download = await client.post(done.json.certificate, undefined)
    expect(download.headers['content-type']).toBe('application/pem-certificate-chain')
    expect(pem.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2)
    expect(pem.startsWith('-----BEGIN CERTIFICATE-----')).toBe(true)
    expect((await client.post(order.headers.location as string, undefined)).json.status).toBe('valid')
  })

  it('takes a CN-only CSR and puts the name in the SAN (RFC 8555 §7.4)', async () => {
    const order = await client.order([{type: 'dns', value: 'cn-only.localhost'}])
    const done = await client.post(order.json.finalize, {csr: opensslCsr(work, [], {cn: 'cn-only.localhost'}).csr})
    expect(done.json.status).toBe('valid')
    const leaf = new X509Certificate((await client.post(done.json.certificate, undefined)).text)
    expect(leaf.subjectAltName).toBe('DNS:cn-only.localhost')
  })

  it('issues a 1-day certificate under the shortlived profile and echoes the profile', async () => {
    const {order, pem} = await issue(client, ['short.localhost'], {profile: 'shortlived'})
    expect(order.json.profile).toBe('shortlived')
    const leaf = new X509Certificate(pem)
    expect((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 86_400_000).toBeCloseTo(1, 1)
  })

  it('serves ARI: a window at two thirds of the lifetime for a fresh certificate, Retry-After set', async () => {
    const {pem} = await issue(client, ['ari.localhost'])
    const id = await ariIdOf(pem)
    const response = await request(`${dir.renewalInfo}/${id}`, server.rootPem)
    expect(response.status).toBe(200)
    expect(Number(response.headers['retry-after'])).toBeGreaterThan(0)
    const leaf = new X509Certificate(pem)
    const {start, end} = response.json.suggestedWindow
    expect(Date.parse(start)).toBeGreaterThan(Date.now())
    expect(Date.parse(start)).toBeLessThan(Date.parse(end))
    expect(Date.parse(end)).toBeLessThan(Date.parse(leaf.validTo))
  })

  it('moves the ARI window into the past after revocation, so clients renew at once', async () => {
    const {pem} = await issue(client, ['revoked-ari.localhost'])
    const der = new X509Certificate(pem).raw.toString('base64url')
    expect((await client.post(dir.revokeCert, {certificate: der, reason: 1})).status).toBe(200)
    const window = (await request(`${dir.renewalInfo}/${await ariIdOf(pem)}`, server.rootPem)).json.suggestedWindow
    expect(Date.parse(window.end)).toBeLessThan(Date.now())
  })

  it('accepts revocation signed with the certificate key itself', async () => {
    const order = await client.order([{type: 'dns', value: 'self-revoke.localhost'}])
    const {csr, keyFile} = opensslCsr(work, ['self-revoke.localhost'])
    const done = await client.post(order.json.finalize, {csr})
    const pem = (await client.post(done.json.certificate, undefined)).text
    const {createPrivateKey, createPublicKey} = await import('node:crypto')
    const {readFileSync} = await import('node:fs')
    const privateKey = createPrivateKey(readFileSync(keyFile))
    const certKey = {privateKey, jwk: createPublicKey(privateKey).export({format: 'jwk'}) as any, alg: 'ES256'}
    const stranger = new RawClient(server)
    const response = await stranger.post(dir.revokeCert, {certificate: new X509Certificate(pem).raw.toString('base64url')}, {jwk: certKey.jwk}, {key: certKey})
    expect(response.status, response.text).toBe(200)
  })

  it('accepts one replacement order per certificate (RFC 9773 §5) and echoes "replaces"', async () => {
    const {pem} = await issue(client, ['replace.localhost'])
    const id = await ariIdOf(pem)
    const first = await client.order([{type: 'dns', value: 'replace.localhost'}], {replaces: id})
    expect(first.status).toBe(201)
    expect(first.json.replaces).toBe(id)
    const second = await client.order([{type: 'dns', value: 'replace.localhost'}], {replaces: id})
    expect([second.status, second.json.type]).toEqual([409, 'urn:ietf:params:acme:error:alreadyReplaced'])
  })

  it('moves every ARI window into the past after the intermediate is rotated', async () => {
    const {pem} = await issue(client, ['rotate.localhost'])
    await rotateIntermediate(server.home)
    await new Promise((resolve) => setTimeout(resolve, 1_100)) // the server re-reads ca.json at most once a second
    const window = (await request(`${dir.renewalInfo}/${await ariIdOf(pem)}`, server.rootPem)).json.suggestedWindow
    expect(Date.parse(window.end)).toBeLessThan(Date.now())
    // and new leaves come from the new intermediate
    const fresh = await issue(client, ['after-rotate.localhost'])
    expect(new X509Certificate(fresh.pem).issuer).not.toBe(new X509Certificate(pem).issuer)
  })

  it('lists the account\'s orders and deactivating an authorization invalidates its order', async () => {
    const c = new RawClient(server)
    await c.register()
    const order = await c.order([{type: 'dns', value: 'list.localhost'}])
    const list = await c.post(`${c.kid}/orders`, undefined)
    expect(list.json.orders).toEqual([order.headers.location])
    const authz = await c.post(order.json.authorizations[0], {status: 'deactivated'})
    expect(authz.json.status).toBe('deactivated')
    expect((await c.post(order.headers.location as string, undefined)).json.status).toBe('invalid')
  })

  it('returns a valid challenge unchanged when a client POSTs it anyway, with Link rel="up"', async () => {
    const order = await client.order([{type: 'dns', value: 'chall.localhost'}])
    const authz = await client.post(order.json.authorizations[0], undefined)
    const challenge = await client.post(authz.json.challenges[0].url, {})
    expect(challenge.json).toMatchObject({type: 'http-01', status: 'valid'})
    expect(challenge.headers.link).toContain(`<${order.json.authorizations[0]}>;rel="up"`)
  })

  it('issues 16 orders finalized concurrently on one account, each exactly once', async () => {
    const orders = await Promise.all(Array.from({length: 16}, (_, i) => client.order([{type: 'dns', value: `c${i}.localhost`}])))
    const results = await Promise.all(orders.map((order, i) => client.post(order.json.finalize, {csr: opensslCsr(work, [`c${i}.localhost`]).csr})))
    expect(results.map((result) => result.json.status)).toEqual(Array(16).fill('valid'))
    expect(new Set(results.map((result) => result.json.certificate)).size).toBe(16)
  })
})
