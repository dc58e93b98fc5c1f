import {X509Certificate} from 'node:crypto'
import acme from 'acme-client'
import {beforeAll, describe, expect, it} from 'vitest'
import type {AcmeServer} from '../../src/acme/server.js'
import {readInventory} from '../../src/state/inventory.js'
import {caPaths} from '../../src/state/paths.js'
import {hasTools} from '../support/tools.js'
import {opensslVerify} from '../support/pki.js'
import {testServer, trustForAcmeClient} from './support.js'

const noChallenge = {challengeCreateFn: async () => undefined, challengeRemoveFn: async () => undefined}

describe.skipIf(!hasTools('ACME issuance with node acme-client', 'openssl'))('node acme-client against `startAcmeServer` (EAB, zero-challenge)', () => {
  let server: AcmeServer

  beforeAll(async () => {
    server = await testServer()
    // trust only our root, as NODE_EXTRA_CA_CERTS would
    trustForAcmeClient(server.rootPem, {keepAlive: true})
  })

  function client(accountKey: Buffer) {
    return new acme.Client({directoryUrl: server.url, accountKey, externalAccountBinding: {kid: server.eab!.kid, hmacKey: server.eab!.hmacKey}})
  }

  it.each([
    ['ECDSA P-256 account, ECDSA leaf', 'ecdsa', 'ecdsa', ['app.localhost', '*.app.localhost']],
    ['RSA account, RSA leaf', 'rsa', 'rsa', ['api.test']],
    ['ECDSA P-384 account, RSA leaf', 'p384', 'rsa', ['db.internal', 'cache.internal']],
  ] as const)('issues a chain that openssl verifies against our root: %s', async (_label, accountType, leafType, names) => {
    const accountKey = accountType === 'rsa' ? await acme.crypto.createPrivateRsaKey(2048) : await acme.crypto.createPrivateEcdsaKey(accountType === 'p384' ? 'P-384' : 'P-256')
    const leafKey = leafType === 'rsa' ? await acme.crypto.createPrivateRsaKey(2048) : await acme.crypto.createPrivateEcdsaKey()
    const [, csr] = await acme.crypto.createCsr({commonName: names[0], altNames: [...names]}, leafKey)
    const chain = await client(accountKey).auto({csr, termsOfServiceAgreed: true, ...noChallenge})

    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2)
    expect((await opensslVerify(chain, {rootPem: server.rootPem})).stdout.trim()).toMatch(/: OK$/)
    const leaf = new X509Certificate(chain)
    expect(leaf.subjectAltName!.split(', ').sort()).toEqual(names.map((name) => `DNS:${name}`).sort())
    expect(leaf.subject).toContain(`CN=${names[0]}`)
    expect(leaf.ca).toBe(false)
    expect(leaf.publicKey.asymmetricKeyType).toBe(leafType === 'rsa' ? 'rsa' : 'ec')
    // default profile: 90 days, back-dated for clock skew
    expect((Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 86_400_000).toBeCloseTo(90, 0)
    expect(Date.parse(leaf.validFrom)).toBeLessThan(Date.now() - 60_000)
  })

  it('issues for IP identifiers (RFC 8738) as iPAddress SANs', async () => {
    const acmeClient = client(await acme.crypto.createPrivateEcdsaKey())
    await acmeClient.createAccount({termsOfServiceAgreed: true})
    const order = await acmeClient.createOrder({identifiers: [{type: 'ip', value: '127.0.0.1'}, {type: 'ip', value: '::1'}, {type: 'dns', value: 'localhost'}]})
    const authorizations = await acmeClient.getAuthorizations(order)
    expect(authorizations.map((authz) => authz.status)).toEqual(['valid', 'valid', 'valid'])
    const [, csr] = await acme.crypto.createCsr({altNames: ['localhost', '127.0.0.1', '::1']}, await acme.crypto.createPrivateEcdsaKey())
    const finalized = await acmeClient.finalizeOrder(order, csr)
    expect(finalized.status).toBe('valid')
    const chain = await acmeClient.getCertificate(finalized)
    expect((await opensslVerify(chain, {rootPem: server.rootPem})).stdout.trim()).toMatch(/: OK$/)
    expect(new X509Certificate(chain).subjectAltName!.split(', ').sort()).toEqual(['DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort())
  })

  it('reuses the account on a second auto() and records every leaf in the inventory as source "acme"', async () => {
    const acmeClient = client(await acme.crypto.createPrivateEcdsaKey())
    const serials: string[] = []
    for (const name of ['one.localhost', 'two.localhost']) {
      const [, csr] = await acme.crypto.createCsr({commonName: name}, await acme.crypto.createPrivateEcdsaKey())
      serials.push(new X509Certificate(await acmeClient.auto({csr, termsOfServiceAgreed: true, ...noChallenge})).serialNumber.toLowerCase())
    }
    const inventory = await readInventory(caPaths(server.home).inventory)
    for (const serial of serials) expect(inventory.find((entry) => entry.serial.replace(/^0+/, '') === serial.replace(/^0+/, ''))?.source).toBe('acme')
  })

  it('lists one valid challenge per pre-authorized authorization, never an empty array', async () => {
    const acmeClient = client(await acme.crypto.createPrivateEcdsaKey())
    await acmeClient.createAccount({termsOfServiceAgreed: true})
    const order = await acmeClient.createOrder({identifiers: [{type: 'dns', value: 'web.localhost'}, {type: 'dns', value: '*.web.localhost'}]})
    expect(order.status).toBe('ready')
    const [plain, wildcard] = await acmeClient.getAuthorizations(order)
    expect(plain).toMatchObject({identifier: {type: 'dns', value: 'web.localhost'}, status: 'valid'})
    expect(plain!.challenges).toHaveLength(1)
    expect(plain!.challenges[0]).toMatchObject({type: 'http-01', status: 'valid'})
    expect(wildcard).toMatchObject({identifier: {type: 'dns', value: 'web.localhost'}, status: 'valid', wildcard: true})
    expect(wildcard!.challenges[0]).toMatchObject({type: 'dns-01', status: 'valid'})
  })

  it('revokes by account key and then reports alreadyRevoked', async () => {
    const acmeClient = client(await acme.crypto.createPrivateEcdsaKey())
    const [, csr] = await acme.crypto.createCsr({commonName: 'gone.localhost'}, await acme.crypto.createPrivateEcdsaKey())
    const chain = await acmeClient.auto({csr, termsOfServiceAgreed: true, ...noChallenge})
    await acmeClient.revokeCertificate(chain, {reason: 4})
    await expect(acmeClient.revokeCertificate(chain)).rejects.toThrow(/already revoked/)
  })

  it('rolls the account key over and keeps issuing with the new key', async () => {
    const acmeClient = client(await acme.crypto.createPrivateEcdsaKey())
    await acmeClient.createAccount({termsOfServiceAgreed: true})
    const url = acmeClient.getAccountUrl()
    await acmeClient.updateAccountKey(await acme.crypto.createPrivateRsaKey(2048))
    expect(acmeClient.getAccountUrl()).toBe(url)
    const [, csr] = await acme.crypto.createCsr({commonName: 'rolled.localhost'}, await acme.crypto.createPrivateEcdsaKey())
    const chain = await acmeClient.auto({csr, ...noChallenge})
    expect((await opensslVerify(chain, {rootPem: server.rootPem})).stdout.trim()).toMatch(/: OK$/)
  })

  it('updates contacts and deactivates the account, after which it is refused', async () => {
    const acmeClient = client(await acme.crypto.createPrivateEcdsaKey())
    await acmeClient.createAccount({termsOfServiceAgreed: true, contact: ['mailto:dev@app.localhost']})
    const updated = await acmeClient.updateAccount({contact: ['mailto:other@app.localhost']})
    expect(updated.contact).toEqual(['mailto:other@app.localhost'])
    const deactivated = await acmeClient.updateAccount({status: 'deactivated'})
    expect(deactivated.status).toBe('deactivated')
    await expect(acmeClient.createOrder({identifiers: [{type: 'dns', value: 'x.localhost'}]})).rejects.toThrow(/deactivated/)
  })
})
