import path from 'node:path'
import acme from 'acme-client'
import {describe, expect, it} from 'vitest'
import {testServer, trustForAcmeClient} from '../acme/support.js'
import {cli, tempDir} from '../support/env.js'

const noChallenge = {challengeCreateFn: async () => undefined, challengeRemoveFn: async () => undefined}

describe('localcert list (built CLI)', () => {
  it('shows one row per file: issuing again to the same path replaces the older entry', async () => {
    const dir = tempDir('localcert-list-')
    const home = path.join(dir, 'state')
    const certFile = path.join(dir, 'app.pem')
    const first = JSON.parse((await cli(['cert', 'app.localhost', '--cert-file', certFile, '--json'], {home})).stdout)
    const second = JSON.parse((await cli(['cert', 'app.localhost', 'api.localhost', '--cert-file', certFile, '--json'], {home})).stdout)
    expect(first.serial).not.toBe(second.serial)
    const listed = JSON.parse((await cli(['list', '--json'], {home})).stdout)
    expect(listed.map((entry: {serial: string; certFile: string}) => [entry.serial, entry.certFile])).toEqual([[second.serial, certFile]])
  })

  it('marks a certificate an ACME client revoked, in --json and in the table', async () => {
    const server = await testServer()
    const client = new acme.Client({directoryUrl: server.url, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid: server.eab!.kid, hmacKey: server.eab!.hmacKey}})
    trustForAcmeClient(server.rootPem)
    const chains: string[] = []
    for (const name of ['kept.localhost', 'gone.localhost']) {
      const [, csr] = await acme.crypto.createCsr({commonName: name}, await acme.crypto.createPrivateEcdsaKey())
      chains.push(await client.auto({csr, termsOfServiceAgreed: true, ...noChallenge}))
    }
    await client.revokeCertificate(chains[1]!, {reason: 4})

    const listed = JSON.parse((await cli(['list', '--json'], {home: server.home})).stdout) as Array<{names: string[]; revoked?: {reason: number}}>
    // (the endpoint's own certificate, for localhost, is listed too)
    expect(listed.filter((entry) => entry.names[0] !== 'localhost').map((entry) => [entry.names[0], entry.revoked?.reason])).toEqual([['kept.localhost', undefined], ['gone.localhost', 4]])
    const table = (await cli(['list'], {home: server.home})).stdout.split('\n')
    expect(table.find((line) => line.includes('gone.localhost'))).toMatch(/^\d{4}-\d\d-\d\d \(revoked \d{4}-\d\d-\d\d\) /)
    expect(table.find((line) => line.includes('kept.localhost'))).not.toContain('revoked')
  })
})
