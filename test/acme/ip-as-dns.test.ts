import {X509Certificate} from 'node:crypto'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import acme from 'acme-client'
import {beforeAll, describe, expect, it} from 'vitest'
import type {AcmeServer} from '../../src/acme/server.js'
import {sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {opensslVerify} from '../support/pki.js'
import {opensslCsr, RawClient, testServer, trustForAcmeClient} from './support.js'

const noChallenge = {challengeCreateFn: async () => undefined, challengeRemoveFn: async () => undefined}

// acme-client 5.4's auto() (and Debian's lego 4.9.1) put every name, IPs included, in {"type": "dns"} identifiers.
// We accept those as IP identifiers, echo them back as sent, and issue iPAddress SANs.
describe.skipIf(!hasTools('IP addresses sent as dns identifiers', 'openssl'))('IP addresses sent as dns identifiers', () => {
  let server: AcmeServer
  const work = tempDir('localcert-acme-ipdns-')

  beforeAll(async () => {
    server = await testServer()
    trustForAcmeClient(server.rootPem, {keepAlive: true})
  })

  /** `openssl x509 -text` of the leaf: the SAN line as openssl prints it. */
  async function opensslSanLine(chainPem: string): Promise<string> {
    const file = path.join(work, `${Math.random().toString(36).slice(2)}.pem`)
    writeFileSync(file, chainPem)
    const text = (await sh('openssl', ['x509', '-in', file, '-noout', '-text'])).stdout
    return text.split('\n')[text.split('\n').findIndex((line) => line.includes('X509v3 Subject Alternative Name')) + 1]!.trim()
  }

  it.each([
    [['127.0.0.1', 'app.localhost'], 'IP Address:127.0.0.1, DNS:app.localhost'],
    [['::1'], 'IP Address:0:0:0:0:0:0:0:1'],
  ])('acme-client auto() for %j gets a leaf with iPAddress SANs that openssl verifies against our root', async (names, sanLine) => {
    const acmeClient = new acme.Client({directoryUrl: server.url, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid: server.eab!.kid, hmacKey: server.eab!.hmacKey}})
    const [, csr] = await acme.crypto.createCsr({commonName: names[0], altNames: names}, await acme.crypto.createPrivateEcdsaKey())
    const chain = await acmeClient.auto({csr, termsOfServiceAgreed: true, ...noChallenge})
    expect((await opensslVerify(chain, {rootPem: server.rootPem}, ['-x509_strict', '-purpose', 'sslserver'])).stdout.trim()).toMatch(/: OK$/)
    expect(await opensslSanLine(chain)).toBe(sanLine)
    expect(new X509Certificate(chain).subjectAltName).not.toMatch(/DNS:(127|::|\[)/)
  })

  it('echoes the identifiers in the order and its authorizations exactly as sent, folding dns and ip forms of one IP', async () => {
    const c = new RawClient(server)
    await c.register()
    const sent = [{type: 'dns', value: '[::1]'}, {type: 'dns', value: 'app.localhost'}, {type: 'dns', value: '127.0.0.1'}, {type: 'ip', value: '127.0.0.1'}]
    const order = await c.order(sent)
    expect(order.status, order.text).toBe(201)
    expect(order.json.identifiers).toEqual([{type: 'dns', value: '[::1]'}, {type: 'dns', value: 'app.localhost'}, {type: 'ip', value: '127.0.0.1'}])
    expect(order.json.status).toBe('ready')
    const authorizations = await Promise.all(order.json.authorizations.map((url: string) => c.post(url, undefined)))
    expect(authorizations.map((authz) => authz.json.identifier)).toEqual(order.json.identifiers)
    // an IP never gets dns-01, pre-authorized or not (RFC 8738 §7)
    for (const authz of authorizations) expect(authz.json.challenges.map((challenge: {type: string}) => challenge.type)).toEqual(['http-01'])
    const reread = await c.post(order.headers.location as string, undefined)
    expect(reread.json.identifiers).toEqual(order.json.identifiers)
  })

  it.each([
    ['iPAddress SANs (what acme-client puts in its CSR)', ['-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:ipdns.localhost']],
    ['dNSNames holding the IPs (what lego 4.9.1 puts in its CSR)', ['-addext', 'subjectAltName=DNS:127.0.0.1,DNS:::1,DNS:ipdns.localhost']],
  ])('finalizes a CSR with %s and issues iPAddress SANs, never a dNSName holding an IP', async (_label, extra) => {
    const c = new RawClient(server)
    await c.register()
    const order = await c.order([{type: 'dns', value: '127.0.0.1'}, {type: 'dns', value: '::1'}, {type: 'dns', value: 'ipdns.localhost'}])
    const done = await c.post(order.json.finalize, {csr: opensslCsr(work, [], {cn: '127.0.0.1', extra}).csr})
    expect(done.json.status, done.text).toBe('valid')
    const chain = (await c.post(done.json.certificate, undefined)).text
    expect(new X509Certificate(chain).subjectAltName!.split(', ').sort()).toEqual(['DNS:ipdns.localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'])
    expect((await opensslVerify(chain, {rootPem: server.rootPem})).stdout.trim()).toMatch(/: OK$/)
  })
})
