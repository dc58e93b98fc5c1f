import {readFileSync} from 'node:fs'
import acme from 'acme-client'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import type {AcmeServer} from '../../src/acme/server.js'
import {RawClient, trustForAcmeClient, type HttpResult} from '../acme/support.js'
import {cli, tempDir} from '../support/env.js'
import {serveEndpoint, type ServedEndpoint} from '../support/serve.js'

const ERR = 'urn:ietf:params:acme:error:'

// Against the real `localcert serve` (the built CLI), with a hand-rolled client that can leave out or forge the EAB.
describe('the ACME endpoint (localcert serve): EAB cannot be skipped, and a bound account gets nothing outside the policy', () => {
  let endpoint: ServedEndpoint
  let server: AcmeServer
  let home: string

  beforeAll(async () => {
    home = tempDir('localcert-acme-boundaries-')
    endpoint = await serveEndpoint(home)
    // what RawClient needs of a server: where it is, the root it is served under, the EAB credentials
    server = {url: endpoint.directoryUrl, rootPem: readFileSync(endpoint.rootFile, 'utf8'), eab: {kid: endpoint.kid, hmacKey: endpoint.hmacKey}} as unknown as AcmeServer
  })
  afterAll(async () => {
    if (endpoint) expect(await endpoint.stop()).toBe(0)
  })

  const problem = (response: HttpResult) => ({status: response.status, type: response.json?.type})

  /** The key of a refused registration has no account afterwards: the refusal created nothing. */
  async function expectNoAccount(client: RawClient): Promise<void> {
    const {newAccount} = await client.dir()
    expect(problem(await client.post(newAccount, {onlyReturnExisting: true}, {jwk: client.key.jwk}))).toEqual({status: 400, type: ERR + 'accountDoesNotExist'})
  }

  it('refuses a newAccount without externalAccountBinding, with a wrong HMAC key, and with a wrong kid; none creates an account', async () => {
    const cases: Array<[string, (client: RawClient, url: string) => Promise<Record<string, unknown>>, {status: number; type: string}]> = [
      ['no externalAccountBinding', async () => ({termsOfServiceAgreed: true}), {status: 400, type: ERR + 'externalAccountRequired'}],
      ['a wrong HMAC key', async (client, url) => ({termsOfServiceAgreed: true, externalAccountBinding: await client.eab(url, {hmacKey: Buffer.alloc(48, 7).toString('base64url')})}), {status: 403, type: ERR + 'unauthorized'}],
      ['a wrong kid', async (client, url) => ({termsOfServiceAgreed: true, externalAccountBinding: await client.eab(url, {kid: 'localcert-not-the-kid'})}), {status: 403, type: ERR + 'unauthorized'}],
      ['the right kid with the HMAC key of another home', async (client, url) => ({termsOfServiceAgreed: true, externalAccountBinding: await client.eab(url, {hmacKey: Buffer.from(endpoint.hmacKey, 'base64url').reverse().toString('base64url')})}), {status: 403, type: ERR + 'unauthorized'}],
    ]
    for (const [what, payload, expected] of cases) {
      const client = new RawClient(server)
      const {newAccount} = await client.dir()
      const response = await client.post(newAccount, await payload(client, newAccount), {jwk: client.key.jwk})
      expect({what, ...problem(response)}).toEqual({what, ...expected})
      await expectNoAccount(client)
    }
    // a real client without EAB fails the same way
    trustForAcmeClient(server.rootPem)
    const bare = new acme.Client({directoryUrl: endpoint.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey()})
    await expect(bare.createAccount({termsOfServiceAgreed: true})).rejects.toThrow(/External Account Binding|externalAccountBinding|localcert env/)
    // and the right credentials work
    const bound = new RawClient(server)
    expect((await bound.register()).status).toBe(201)
  })

  it('refuses example.com and 8.8.8.8 to a bound account (rejectedIdentifier), and issues nothing for them', async () => {
    const client = new RawClient(server)
    expect((await client.register()).status).toBe(201)
    for (const identifier of [{type: 'dns', value: 'example.com'}, {type: 'ip', value: '8.8.8.8'}, {type: 'dns', value: '8.8.8.8'}, {type: 'dns', value: '*.example.com'}]) {
      const response = await client.order([identifier])
      expect({identifier, ...problem(response)}).toEqual({identifier, status: 400, type: ERR + 'rejectedIdentifier'})
      expect(response.json.subproblems).toEqual([expect.objectContaining({type: ERR + 'rejectedIdentifier', identifier})])
    }
    // a local name beside a public one: the whole order is refused, not trimmed
    expect(problem(await client.order([{type: 'dns', value: 'ok.localhost'}, {type: 'dns', value: 'example.com'}]))).toEqual({status: 400, type: ERR + 'rejectedIdentifier'})
    const issued = JSON.parse((await cli(['log', '--json'], {home})).stdout).filter((line: {event: string}) => line.event === 'issued')
    expect(issued.flatMap((line: {names: string[]}) => line.names).filter((name: string) => /example\.com|8\.8\.8\.8/.test(name))).toEqual([])
  })
})
