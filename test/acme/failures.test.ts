import {beforeAll, describe, expect, it} from 'vitest'
import type {AcmeServer} from '../../src/acme/server.js'
import {tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {accountKey, opensslCsr, RawClient, request, testServer, type AcmeDirectory, type HttpResult} from './support.js'

const ERR = 'urn:ietf:params:acme:error:'

/** Every failure must be a problem document with a fresh nonce, and the server must keep answering. */
async function expectProblem(server: AcmeServer, response: HttpResult, status: number, type: string, detail?: RegExp) {
  expect({status: response.status, type: response.json?.type}, response.text).toEqual({status, type: ERR + type})
  expect(response.headers['content-type']).toBe('application/problem+json')
  expect(response.json.status).toBe(status)
  expect(response.json.detail).toEqual(expect.any(String))
  if (detail) expect(response.json.detail).toMatch(detail)
  expect(response.headers['replay-nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/)
  expect((await request(server.url, server.rootPem)).status).toBe(200)
}

interface Case {
  name: string
  status: number
  type: string
  detail?: RegExp
  /** Sends the bad request with a registered client `c` (whose account exists). */
  send: (c: RawClient, dir: AcmeDirectory) => Promise<HttpResult>
  check?: (response: HttpResult) => void
}

describe.skipIf(!hasTools('ACME failure table', 'openssl'))('every refusal is a clear problem document and the server keeps serving', () => {
  let server: AcmeServer
  let client: RawClient
  let dir: AcmeDirectory
  const work = tempDir('localcert-acme-fail-')

  beforeAll(async () => {
    server = await testServer({maxBodyBytes: 16 * 1024})
    client = new RawClient(server)
    expect((await client.register()).status).toBe(201)
    dir = await client.dir()
  })

  async function readyOrder(c: RawClient, names = ['ready.localhost']) {
    const order = await c.order(names.map((value) => ({type: 'dns', value})))
    return order.json as {finalize: string; status: string}
  }

  const cases: Case[] = [
    // transport and JWS shape
    {name: 'malformed JSON body', status: 400, type: 'malformed', detail: /not valid JSON/, send: (c, d) => c.post(d.newOrder, undefined, {}, {body: '{"protected": '})},
    {name: 'oversized body', status: 413, type: 'malformed', detail: /larger than/, send: (c, d) => c.post(d.newOrder, undefined, {}, {body: JSON.stringify({protected: 'x'.repeat(200_000)})})},
    {name: 'wrong Content-Type', status: 415, type: 'malformed', detail: /jose\+json/, send: (c, d) => c.post(d.newOrder, {identifiers: []}, {}, {contentType: 'application/json'})},
    {name: 'general JWS serialization', status: 400, type: 'malformed', detail: /flattened/, send: (c, d) => c.post(d.newOrder, undefined, {}, {body: JSON.stringify({payload: '', signatures: []})})},
    {name: 'unprotected header', status: 400, type: 'malformed', send: async (c, d) => c.post(d.newOrder, undefined, {}, {body: JSON.stringify({...(await c.sign(d.newOrder, {})), header: {kid: 'x'}})})},
    {name: 'padded base64url', status: 400, type: 'malformed', detail: /unpadded/, send: async (c, d) => { const jws = await c.sign(d.newOrder, {identifiers: [{type: 'dns', value: 'a.localhost'}]}); return c.post(d.newOrder, undefined, {}, {body: JSON.stringify({...jws, signature: jws.signature + '=='})}) }},
    {name: 'bad signature (tampered payload)', status: 400, type: 'malformed', detail: /signature/, send: async (c, d) => { const jws = await c.sign(d.newOrder, {identifiers: [{type: 'dns', value: 'a.localhost'}]}); return c.post(d.newOrder, undefined, {}, {body: JSON.stringify({...jws, payload: Buffer.from('{"identifiers":[{"type":"dns","value":"b.localhost"}]}').toString('base64url')})}) }},
    {name: 'url header names another resource', status: 403, type: 'unauthorized', detail: /url/, send: (c, d) => c.post(d.newOrder, {identifiers: [{type: 'dns', value: 'a.localhost'}]}, {url: d.newAccount})},
    {name: 'alg none', status: 400, type: 'badSignatureAlgorithm', send: (c, d) => c.post(d.newOrder, {}, {alg: 'none'}), check: (r) => expect(r.json.algorithms).toContain('ES256')},
    {name: 'alg HS256 on the outer JWS', status: 400, type: 'badSignatureAlgorithm', send: (c, d) => c.post(d.newOrder, {}, {alg: 'HS256'})},
    {name: 'ES384 with a P-256 key', status: 400, type: 'badSignatureAlgorithm', detail: /ES256/, send: (c, d) => c.post(d.newAccount, {}, {alg: 'ES384', jwk: c.key.jwk, kid: undefined})},
    {name: 'RSA key of 1024 bits', status: 400, type: 'badPublicKey', detail: /1024/, send: (c, d) => { const weak = accountKey('RS256-1024'); return c.post(d.newAccount, {}, {alg: 'RS256', jwk: weak.jwk, kid: undefined}, {key: weak}) }},
    {name: 'both jwk and kid', status: 400, type: 'malformed', detail: /not both/, send: (c, d) => c.post(d.newOrder, {}, {jwk: c.key.jwk, kid: c.kid})},
    {name: 'newOrder signed with a jwk', status: 400, type: 'malformed', detail: /kid/, send: (c, d) => c.post(d.newOrder, {identifiers: [{type: 'dns', value: 'a.localhost'}]}, {jwk: c.key.jwk, kid: undefined})},
    {name: 'newAccount signed with a kid', status: 400, type: 'malformed', detail: /jwk/, send: (c, d) => c.post(d.newAccount, {}, {})},
    // nonces
    {name: 'reused nonce', status: 400, type: 'badNonce', send: async (c, d) => { const body = JSON.stringify(await c.sign(d.newOrder, {identifiers: [{type: 'dns', value: 'once.localhost'}]})); await c.post(d.newOrder, undefined, {}, {body}); return c.post(d.newOrder, undefined, {}, {body}) }},
    {name: 'nonce we never issued', status: 400, type: 'badNonce', send: (c, d) => c.post(d.newOrder, {}, {nonce: 'AAAAAAAAAAAAAAAAAAAAAA'})},
    {name: 'missing nonce', status: 400, type: 'badNonce', send: (c, d) => c.post(d.newOrder, {}, {nonce: undefined})},
    {name: 'nonce that is not base64url', status: 400, type: 'malformed', detail: /base64url/, send: (c, d) => c.post(d.newOrder, {}, {nonce: 'not a nonce!'})},
    // accounts and EAB
    {name: 'unknown account', status: 400, type: 'accountDoesNotExist', send: (c, d) => c.post(d.newOrder, {}, {kid: server.url.replace('/directory', '/acme/acct/nobody')})},
    {name: 'onlyReturnExisting with a new key', status: 400, type: 'accountDoesNotExist', send: (_c, d) => { const fresh = new RawClient(server); return fresh.post(d.newAccount, {onlyReturnExisting: true}, {jwk: fresh.key.jwk}) }},
    {name: 'missing EAB', status: 400, type: 'externalAccountRequired', detail: /localcert env/, send: (_c, d) => { const fresh = new RawClient(server); return fresh.post(d.newAccount, {termsOfServiceAgreed: true}, {jwk: fresh.key.jwk}) }},
    {name: 'EAB with a wrong MAC key', status: 403, type: 'unauthorized', detail: /MAC/, send: async (_c, d) => { const fresh = new RawClient(server); return fresh.post(d.newAccount, {externalAccountBinding: await fresh.eab(d.newAccount, {hmacKey: Buffer.alloc(48, 1).toString('base64url')})}, {jwk: fresh.key.jwk}) }},
    {name: 'EAB with an unknown kid', status: 403, type: 'unauthorized', detail: /unknown EAB key id/, send: async (_c, d) => { const fresh = new RawClient(server); return fresh.post(d.newAccount, {externalAccountBinding: await fresh.eab(d.newAccount, {kid: 'someone-else'})}, {jwk: fresh.key.jwk}) }},
    {name: 'EAB signed for another url', status: 403, type: 'unauthorized', detail: /url/, send: async (_c, d) => { const fresh = new RawClient(server); return fresh.post(d.newAccount, {externalAccountBinding: await fresh.eab(d.newAccount, {url: d.newOrder})}, {jwk: fresh.key.jwk}) }},
    {name: 'EAB over another key', status: 403, type: 'unauthorized', detail: /not the key/, send: async (_c, d) => { const fresh = new RawClient(server); return fresh.post(d.newAccount, {externalAccountBinding: await fresh.eab(d.newAccount, {payload: accountKey().jwk})}, {jwk: fresh.key.jwk}) }},
    {name: 'contact with an unsupported scheme', status: 400, type: 'unsupportedContact', send: async (_c, d) => { const fresh = new RawClient(server); return fresh.post(d.newAccount, {contact: ['tel:+15555550100'], externalAccountBinding: await fresh.eab(d.newAccount)}, {jwk: fresh.key.jwk}) }},
    {name: 'contact that is not an address', status: 400, type: 'invalidContact', send: async (_c, d) => { const fresh = new RawClient(server); return fresh.post(d.newAccount, {contact: ['mailto:nobody'], externalAccountBinding: await fresh.eab(d.newAccount)}, {jwk: fresh.key.jwk}) }},
    // orders
    {name: 'name outside the CA policy', status: 400, type: 'rejectedIdentifier', detail: /outside this CA's permitted names/, send: (c) => c.order([{type: 'dns', value: 'example.com'}]), check: (r) => expect(r.json.subproblems).toEqual([{type: ERR + 'rejectedIdentifier', detail: expect.stringMatching(/example\.com/), identifier: {type: 'dns', value: 'example.com'}}])},
    {name: 'public IP address', status: 400, type: 'rejectedIdentifier', send: (c) => c.order([{type: 'ip', value: '8.8.8.8'}])},
    {name: 'wildcard directly under localhost', status: 400, type: 'rejectedIdentifier', detail: /\*\.app\.localhost/, send: (c) => c.order([{type: 'dns', value: '*.localhost'}])},
    {name: 'public IP address sent as a DNS identifier', status: 400, type: 'rejectedIdentifier', detail: /8\.8\.8\.8 is outside/, send: (c) => c.order([{type: 'dns', value: '8.8.8.8'}]), check: (r) => expect(r.json.subproblems[0].identifier).toEqual({type: 'dns', value: '8.8.8.8'})},
    {name: 'invalid host name', status: 400, type: 'rejectedIdentifier', send: (c) => c.order([{type: 'dns', value: 'bad_ name.localhost'}])},
    {name: 'invalid punycode label', status: 400, type: 'rejectedIdentifier', send: (c) => c.order([{type: 'dns', value: 'xn--zz.localhost'}])},
    {name: 'unsupported identifier type', status: 400, type: 'unsupportedIdentifier', send: (c) => c.order([{type: 'email', value: 'dev@app.localhost'}])},
    {name: 'several different refusals', status: 400, type: 'compound', send: (c) => c.order([{type: 'email', value: 'a@b.localhost'}, {type: 'dns', value: 'example.com'}, {type: 'dns', value: 'fine.localhost'}]), check: (r) => expect(r.json.subproblems).toHaveLength(2)},
    {name: 'no identifiers', status: 400, type: 'malformed', send: (c) => c.order([])},
    {name: 'unknown profile', status: 400, type: 'invalidProfile', detail: /shortlived/, send: (c) => c.order([{type: 'dns', value: 'a.localhost'}], {profile: 'forever'})},
    {name: 'notAfter requested', status: 400, type: 'malformed', detail: /profile/, send: (c) => c.order([{type: 'dns', value: 'a.localhost'}], {notAfter: new Date(Date.now() + 3_600_000).toISOString()})},
    {name: 'replaces an unknown certificate', status: 400, type: 'malformed', send: (c) => c.order([{type: 'dns', value: 'a.localhost'}], {replaces: 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE'})},
    {name: 'another account\'s order', status: 403, type: 'unauthorized', send: async (c) => { const other = new RawClient(server); await other.register(); const order = await readyOrder(other); return c.post(order.finalize.replace(/\/finalize$/, ''), undefined) }},
    // finalize
    {name: 'CSR naming more than the order', status: 400, type: 'badCSR', detail: /not in the order: dns:extra\.localhost/, send: async (c) => c.post((await readyOrder(c)).finalize, {csr: opensslCsr(work, ['ready.localhost', 'extra.localhost']).csr})},
    {name: 'CSR missing an order name', status: 400, type: 'badCSR', detail: /missing from the CSR/, send: async (c) => c.post((await readyOrder(c, ['a.localhost', 'b.localhost'])).finalize, {csr: opensslCsr(work, ['a.localhost']).csr})},
    {name: 'CSR with a DNS SAN holding an IP the order lacks', status: 400, type: 'badCSR', detail: /not in the order: ip:127\.0\.0\.2/, send: async (c) => c.post((await c.order([{type: 'dns', value: '127.0.0.1'}])).json.finalize, {csr: opensslCsr(work, [], {extra: ['-addext', 'subjectAltName=DNS:127.0.0.1,DNS:127.0.0.2']}).csr})},
    {name: 'CSR that is not DER', status: 400, type: 'badCSR', send: async (c) => c.post((await readyOrder(c)).finalize, {csr: Buffer.from('definitely not a CSR').toString('base64url')})},
    {name: 'CSR with an Ed25519 key', status: 400, type: 'badCSR', detail: /browsers/, send: async (c) => c.post((await readyOrder(c)).finalize, {csr: opensslCsr(work, ['ready.localhost'], {key: 'ed25519'}).csr})},
    {name: 'CSR with a 1024-bit RSA key', status: 400, type: 'badCSR', detail: /1024/, send: async (c) => c.post((await readyOrder(c)).finalize, {csr: opensslCsr(work, ['ready.localhost'], {key: 'rsa1024'}).csr})},
    {name: 'CSR signed with SHA-1', status: 400, type: 'badCSR', detail: /SHA-1/, send: async (c) => c.post((await readyOrder(c)).finalize, {csr: opensslCsr(work, ['ready.localhost'], {sha1: true}).csr})},
    {name: 'CSR asking for CA:true', status: 400, type: 'badCSR', detail: /CA/, send: async (c) => c.post((await readyOrder(c)).finalize, {csr: opensslCsr(work, ['ready.localhost'], {extra: ['-addext', 'basicConstraints=critical,CA:TRUE']}).csr})},
    {name: 'finalize twice', status: 403, type: 'orderNotReady', detail: /already valid/, send: async (c) => { const order = await readyOrder(c); const csr = opensslCsr(work, ['ready.localhost']).csr; expect((await c.post(order.finalize, {csr})).status).toBe(200); return c.post(order.finalize, {csr}) }},
    // revocation
    {name: 'revocation reason 7', status: 400, type: 'badRevocationReason', send: async (c, d) => c.post(d.revokeCert, {certificate: await issuedDer(c), reason: 7})},
    {name: 'revocation by a stranger', status: 403, type: 'unauthorized', send: async (c, d) => { const der = await issuedDer(c); const other = new RawClient(server); await other.register(); return other.post(d.revokeCert, {certificate: der}) }},
    {name: 'revoking twice', status: 400, type: 'alreadyRevoked', send: async (c, d) => { const der = await issuedDer(c); expect((await c.post(d.revokeCert, {certificate: der})).status).toBe(200); return c.post(d.revokeCert, {certificate: der}) }},
    // methods, hosts, paths, ARI
    {name: 'GET on a POST-only resource', status: 405, type: 'malformed', send: (_c, d) => request(d.newOrder, server.rootPem), check: (r) => expect(r.headers.allow).toBe('POST')},
    {name: 'unknown path', status: 404, type: 'malformed', send: () => request(server.url.replace('/directory', '/nope'), server.rootPem)},
    {name: 'Host header outside the allowlist (DNS rebinding)', status: 421, type: 'malformed', send: () => request(server.url, server.rootPem, {headers: {Host: 'evil.example'}})},
    {name: 'badly formed ARI identifier', status: 400, type: 'malformed', send: (_c, d) => request(`${d.renewalInfo}/not-an-id`, server.rootPem)},
    {name: 'ARI for an unknown certificate', status: 404, type: 'malformed', send: (_c, d) => request(`${d.renewalInfo}/aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE`, server.rootPem)},
  ]

  /** Orders, finalizes and returns the DER (base64url) of a fresh leaf for `c`. */
  async function issuedDer(c: RawClient): Promise<string> {
    const order = await readyOrder(c, ['revoke.localhost'])
    const done = await c.post(order.finalize, {csr: opensslCsr(work, ['revoke.localhost']).csr})
    const pem = (await c.post(done.json.certificate, undefined)).text
    return Buffer.from(pem.split('-----')[2]!.replace(/\s/g, ''), 'base64').toString('base64url')
  }

  it.each(cases)('$name → $status $type', async ({status, type, detail, send, check}) => {
    const response = await send(client, dir)
    await expectProblem(server, response, status, type, detail)
    check?.(response)
  })

  it('leaves the order ready after a bad CSR, so a corrected CSR succeeds on the same order', async () => {
    const order = await readyOrder(client, ['retry.localhost'])
    await expectProblem(server, await client.post(order.finalize, {csr: opensslCsr(work, ['other.localhost']).csr}), 400, 'badCSR')
    const fixed = await client.post(order.finalize, {csr: opensslCsr(work, ['retry.localhost']).csr})
    expect(fixed.status).toBe(200)
    expect(fixed.json.status).toBe('valid')
  })

  it('refuses a deactivated account with 401 unauthorized', async () => {
    const gone = new RawClient(server)
    await gone.register()
    expect((await gone.post(gone.kid!, {status: 'deactivated'})).json.status).toBe('deactivated')
    await expectProblem(server, await gone.order([{type: 'dns', value: 'a.localhost'}]), 401, 'unauthorized', /deactivated/)
  })

  it('answers a keyChange to a key that already has an account with 409 and its Location', async () => {
    const other = new RawClient(server)
    await other.register()
    const inner = await client.sign(dir.keyChange, {account: client.kid, oldKey: client.key.jwk}, {jwk: other.key.jwk, kid: undefined, nonce: undefined}, other.key)
    const response = await client.post(dir.keyChange, inner)
    await expectProblem(server, response, 409, 'malformed', /already belongs/)
    expect(response.headers.location).toBe(other.kid)
  })

  it('refuses a revokeCert signed with a "jwk" of a key that is neither the account\'s nor the certificate\'s (403), and leaves the certificate unrevoked', async () => {
    const der = await issuedDer(client)
    const unrelated = new RawClient(server) // never registered: it can only sign with a "jwk" header
    const refused = await unrelated.post(dir.revokeCert, {certificate: der}, {jwk: unrelated.key.jwk})
    await expectProblem(server, refused, 403, 'unauthorized', /must be signed by the certificate's own key/)
    // still revocable by its owner: the refused request changed nothing
    expect((await client.post(dir.revokeCert, {certificate: der})).status).toBe(200)
  })

  it('refuses a revokeCert signed by another registered account (kid) as unauthorized, and leaves the certificate unrevoked', async () => {
    const der = await issuedDer(client)
    const other = new RawClient(server)
    expect((await other.register()).status).toBe(201)
    const refused = await other.post(dir.revokeCert, {certificate: der, reason: 4})
    await expectProblem(server, refused, 403, 'unauthorized', /only the account that ordered this certificate/)
    expect((await client.post(dir.revokeCert, {certificate: der})).status).toBe(200)
  })
})

describe('rate limits stop a runaway loop', () => {
  it('answers 429 rateLimited with Retry-After once the per-account budget is spent', async () => {
    const server = await testServer({rateLimits: {ordersPerAccountPerHour: 3}})
    const client = new RawClient(server)
    await client.register()
    for (let i = 0; i < 3; i++) expect((await client.order([{type: 'dns', value: 'loop.localhost'}])).status).toBe(201)
    const refused = await client.order([{type: 'dns', value: 'loop.localhost'}])
    await expectProblem(server, refused, 429, 'rateLimited', /loop\.localhost/)
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0)
  })
})
