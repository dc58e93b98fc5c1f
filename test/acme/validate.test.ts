import http from 'node:http'
import tls from 'node:tls'
import type {AddressInfo} from 'node:net'
import acme from 'acme-client'
import {beforeAll, describe, expect, it} from 'vitest'
import {sniName} from '../../src/acme/validation/challenges.js'
import type {AcmeServer} from '../../src/acme/server.js'
import {onCleanup, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {freePort} from '../support/net.js'
import {opensslVerify} from '../support/pki.js'
import {opensslCsr, RawClient, testServer, trustForAcmeClient} from './support.js'

/** Listens on 127.0.0.1 and ::1 with one port (loopback only), closed after the file. */
async function listenLoopback(create: () => http.Server | tls.Server): Promise<number> {
  const servers = [create(), create()]
  await new Promise<void>((resolve) => servers[0]!.listen(0, '127.0.0.1', resolve))
  const port = (servers[0]!.address() as AddressInfo).port
  await new Promise<void>((resolve, reject) => servers[1]!.once('error', reject).listen(port, '::1', resolve))
  onCleanup(() => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))))
  return port
}

/** An http-01 responder that serves whatever the test puts in `tokens`. */
async function httpResponder(tokens: Map<string, string>) {
  return listenLoopback(() =>
    http.createServer((req, res) => {
      const token = req.url?.split('/').pop() ?? ''
      const body = tokens.get(token)
      res.writeHead(body ? 200 : 404).end(body ?? 'not found')
    }),
  )
}

/** A tls-alpn-01 responder: presents the certificate registered for the SNI name when ALPN acme-tls/1 is offered. */
async function alpnResponder(certs: Map<string, {key: Buffer; cert: Buffer}>, alpn = 'acme-tls/1') {
  return listenLoopback(() => tls.createServer({
    ALPNProtocols: [alpn],
    SNICallback: (name, callback) => {
      const found = certs.get(name)
      callback(found ? null : new Error(`no certificate for ${name}`), found ? tls.createSecureContext({key: found.key, cert: found.cert}) : undefined)
    },
  }, (socket) => socket.end()))
}

describe.skipIf(!hasTools('ACME --validate', 'openssl'))('--validate: real http-01 and tls-alpn-01 against loopback', () => {
  const tokens = new Map<string, string>()
  const alpnCerts = new Map<string, {key: Buffer; cert: Buffer}>()
  const work = tempDir('localcert-acme-validate-')
  let server: AcmeServer

  beforeAll(async () => {
    const httpPort = await httpResponder(tokens)
    const tlsPort = await alpnResponder(alpnCerts)
    server = await testServer({validate: true, httpPort, tlsPort})
    trustForAcmeClient(server.rootPem)
  })

  it('offers http-01 and tls-alpn-01 on pending authorizations, and no dns-01', async () => {
    const c = new RawClient(server)
    await c.register()
    const order = await c.order([{type: 'dns', value: 'pending.localhost'}])
    expect(order.json.status).toBe('pending')
    const authz = await c.post(order.json.authorizations[0], undefined)
    expect(authz.json.status).toBe('pending')
    expect(authz.json.challenges.map((challenge: {type: string}) => challenge.type)).toEqual(['http-01', 'tls-alpn-01'])
    for (const challenge of authz.json.challenges) expect(challenge.token).toMatch(/^[A-Za-z0-9_-]{22,}$/)
  })

  it('issues with acme-client solving http-01 for a DNS name and an IP address', async () => {
    const acmeClient = new acme.Client({directoryUrl: server.url, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid: server.eab!.kid, hmacKey: server.eab!.hmacKey}})
    await acmeClient.createAccount({termsOfServiceAgreed: true})
    const order = await acmeClient.createOrder({identifiers: [{type: 'dns', value: 'http01.localhost'}, {type: 'ip', value: '127.0.0.1'}]})
    for (const authz of await acmeClient.getAuthorizations(order)) {
      const challenge = authz.challenges.find((item) => item.type === 'http-01')!
      tokens.set(challenge.token, await acmeClient.getChallengeKeyAuthorization(challenge))
      const result = await acmeClient.completeChallenge(challenge)
      expect(result.status).toBe('valid')
    }
    const [, csr] = await acme.crypto.createCsr({altNames: ['http01.localhost', '127.0.0.1']}, await acme.crypto.createPrivateEcdsaKey())
    const finalized = await acmeClient.finalizeOrder(order, csr)
    expect((await opensslVerify(await acmeClient.getCertificate(finalized), {rootPem: server.rootPem})).stdout.trim()).toMatch(/: OK$/)
  })

  it('issues with tls-alpn-01 (a critical acmeIdentifier certificate presented for the SNI name)', async () => {
    const acmeClient = new acme.Client({directoryUrl: server.url, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid: server.eab!.kid, hmacKey: server.eab!.hmacKey}})
    await acmeClient.createAccount({termsOfServiceAgreed: true})
    const order = await acmeClient.createOrder({identifiers: [{type: 'dns', value: 'alpn.localhost'}, {type: 'ip', value: '::1'}]})
    for (const authz of await acmeClient.getAuthorizations(order)) {
      const challenge = authz.challenges.find((item) => (item.type as string) === 'tls-alpn-01')!
      const [key, cert] = await acme.crypto.createAlpnCertificate(authz, await acmeClient.getChallengeKeyAuthorization(challenge))
      alpnCerts.set(sniName(authz.identifier as {type: 'dns' | 'ip'; value: string}), {key, cert})
      const done = await acmeClient.completeChallenge(challenge)
      expect(done.status, JSON.stringify(done)).toBe('valid')
    }
    const [, csr] = await acme.crypto.createCsr({altNames: ['alpn.localhost', '::1']}, await acme.crypto.createPrivateEcdsaKey())
    expect((await acmeClient.finalizeOrder(order, csr)).status).toBe('valid')
  })

  it('validates IPs sent as dns identifiers like RFC 8738 ones: auto() solves http-01 for 127.0.0.1, tls-alpn-01 for ::1 under its reverse SNI name', async () => {
    const acmeClient = new acme.Client({directoryUrl: server.url, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid: server.eab!.kid, hmacKey: server.eab!.hmacKey}})
    const solved: string[] = []
    const challengeCreateFn = async (authz: acme.Authorization, challenge: {type: string; token: string}, keyAuthorization: string) => {
      solved.push(`${authz.identifier.type}:${authz.identifier.value} ${challenge.type}`)
      if (challenge.type === 'http-01') return void tokens.set(challenge.token, keyAuthorization)
      const [key, cert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization)
      alpnCerts.set('1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.ip6.arpa', {key, cert})
    }
    for (const [name, priority] of [['127.0.0.1', 'http-01'], ['::1', 'tls-alpn-01']] as const) {
      const [, csr] = await acme.crypto.createCsr({commonName: name}, await acme.crypto.createPrivateEcdsaKey())
      const chain = await acmeClient.auto({csr, termsOfServiceAgreed: true, challengePriority: [priority], skipChallengeVerification: true, challengeCreateFn, challengeRemoveFn: async () => undefined})
      expect((await opensslVerify(chain, {rootPem: server.rootPem})).stdout.trim()).toMatch(/: OK$/)
    }
    expect(solved).toEqual(['dns:127.0.0.1 http-01', 'dns:::1 tls-alpn-01'])
  })

  it.each([
    ['a wrong http-01 body', 'http-01', 'incorrectResponse', /expected the key authorization/, (token: string) => tokens.set(token, 'wrong')],
    ['no http-01 body at all (404)', 'http-01', 'incorrectResponse', /HTTP 404/, () => undefined],
    ['no tls-alpn-01 certificate for the name', 'tls-alpn-01', 'connection', /ALPN acme-tls\/1/, () => undefined],
  ] as const)('marks the challenge, authorization and order invalid for %s', async (_label, type, problem, detail, prepare) => {
    const c = new RawClient(server)
    await c.register()
    const order = await c.order([{type: 'dns', value: `fail-${type}.localhost`}])
    const authz = await c.post(order.json.authorizations[0], undefined)
    const challenge = authz.json.challenges.find((item: {type: string}) => item.type === type)
    prepare(challenge.token)
    const result = await c.post(challenge.url, {})
    expect(result.json.status).toBe('invalid')
    expect(result.json.error.type).toBe(`urn:ietf:params:acme:error:${problem}`)
    expect(result.json.error.detail).toMatch(detail)
    expect((await c.post(order.json.authorizations[0], undefined)).json.status).toBe('invalid')
    expect((await c.post(order.headers.location as string, undefined)).json.status).toBe('invalid')
    const finalize = await c.post(order.json.finalize, {csr: opensslCsr(work, [`fail-${type}.localhost`]).csr})
    expect(finalize.json.type).toBe('urn:ietf:params:acme:error:orderNotReady')
  })

  it('reports connection when nothing listens, and tls when the server will not speak acme-tls/1', async () => {
    const closedPort = await freePort()
    const plainTlsPort = await alpnResponder(alpnCerts, 'http/1.1')
    const cases = [
      {options: {httpPort: closedPort, tlsPort: closedPort}, type: 'http-01', problem: 'connection', detail: /ECONNREFUSED.*well-known/},
      {options: {httpPort: closedPort, tlsPort: plainTlsPort}, type: 'tls-alpn-01', problem: 'tls', detail: /acme-tls\/1/},
    ]
    for (const {options, type, problem, detail} of cases) {
      const other = await testServer({validate: true, ...options})
      const c = new RawClient(other)
      await c.register()
      const name = 'refused.localhost'
      const order = await c.order([{type: 'dns', value: name}])
      const authz = await c.post(order.json.authorizations[0], undefined)
      const challenge = authz.json.challenges.find((item: {type: string}) => item.type === type)
      if (type === 'tls-alpn-01') {
        const [key, cert] = await acme.crypto.createAlpnCertificate({identifier: {type: 'dns', value: name}} as any, `${challenge.token}.${await c.thumbprint()}`)
        alpnCerts.set(name, {key, cert})
      }
      const result = await c.post(challenge.url, {})
      expect(result.json.error?.type, JSON.stringify(result.json)).toBe(`urn:ietf:params:acme:error:${problem}`)
      expect(result.json.error.detail).toMatch(detail)
    }
  })

  it('refuses to validate an identifier that is not this machine', async () => {
    const c = new RawClient(server)
    await c.register()
    const order = await c.order([{type: 'ip', value: '192.168.1.10'}])
    const authz = await c.post(order.json.authorizations[0], undefined)
    const result = await c.post(authz.json.challenges[0].url, {})
    expect(result.json.error).toMatchObject({type: 'urn:ietf:params:acme:error:connection', detail: expect.stringMatching(/only this machine/)})
  })

  it('computes reverse-DNS SNI names for IP identifiers (RFC 8738 §6)', () => {
    expect(sniName({type: 'ip', value: '127.0.0.1'})).toBe('1.0.0.127.in-addr.arpa')
    expect(sniName({type: 'ip', value: '::1'})).toBe(`1.${'0.'.repeat(31)}ip6.arpa`)
    expect(sniName({type: 'dns', value: 'app.localhost'})).toBe('app.localhost')
  })
})
