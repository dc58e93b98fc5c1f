import {appendFileSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {startAcmeServer} from '../../src/acme/server.js'
import {AcmeStore} from '../../src/acme/storage/store.js'
import {tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {opensslCsr, RawClient, request} from './support.js'

describe.skipIf(!hasTools('ACME persistence', 'openssl'))('state survives a restart', () => {
  it('keeps accounts, orders, certificates, revocations and the EAB key across a restart', async () => {
    const home = tempDir('localcert-acme-restart-')
    const work = tempDir('localcert-acme-restart-work-')
    const first = await startAcmeServer({home, port: 0})
    const client = new RawClient(first)
    await client.register()
    const order = await client.order([{type: 'dns', value: 'persist.localhost'}])
    const done = await client.post(order.json.finalize, {csr: opensslCsr(work, ['persist.localhost']).csr})
    const chain = (await client.post(done.json.certificate, undefined)).text
    const revoked = await client.order([{type: 'dns', value: 'revoked.localhost'}])
    const revokedDone = await client.post(revoked.json.finalize, {csr: opensslCsr(work, ['revoked.localhost']).csr})
    const revokedPem = (await client.post(revokedDone.json.certificate, undefined)).text
    const der = Buffer.from(revokedPem.split('-----')[2]!.replace(/\s/g, ''), 'base64').toString('base64url')
    expect((await client.post((await client.dir()).revokeCert, {certificate: der})).status).toBe(200)
    const eab = first.eab
    await first.close()
    expect(statSync(path.join(home, 'acme', 'state.json')).mode & 0o777).toBe(0o600)

    const second = await startAcmeServer({home, port: 0})
    try {
      expect(second.eab).toEqual(eab)
      // the client keeps its key and its account URL; only the port changed
      const again = new RawClient(second)
      Object.assign(again, {key: client.key})
      const existing = await again.post((await again.dir()).newAccount, {onlyReturnExisting: true}, {jwk: client.key.jwk})
      expect(existing.status).toBe(200)
      const accountPath = new URL(existing.headers.location as string).pathname
      expect(new URL(client.kid!).pathname).toBe(accountPath)
      again.kid = existing.headers.location as string
      const origin = second.url.replace('/directory', '')
      const moved = (url: string) => origin + new URL(url).pathname
      expect((await again.post(moved(order.headers.location as string), undefined)).json.status).toBe('valid')
      expect((await again.post(moved(done.json.certificate), undefined)).text).toBe(chain)
      const revokeAgain = await again.post((await again.dir()).revokeCert, {certificate: der})
      expect(revokeAgain.json.type).toBe('urn:ietf:params:acme:error:alreadyRevoked')
      // and it keeps issuing
      const next = await again.order([{type: 'dns', value: 'persist.localhost'}])
      expect((await again.post(next.json.finalize, {csr: opensslCsr(work, ['persist.localhost']).csr})).json.status).toBe('valid')
    } finally {
      await second.close()
    }
  })

  it('skips a torn last journal line from a crash and keeps everything before it', async () => {
    const home = tempDir('localcert-acme-torn-')
    const server = await startAcmeServer({home, port: 0})
    const client = new RawClient(server)
    await client.register()
    await server.close()
    // what a crash in the middle of an append leaves behind
    appendFileSync(path.join(home, 'acme', 'journal.jsonl'), '{"k":"account","v":{"id":"half')
    const store = await AcmeStore.open(path.join(home, 'acme'))
    expect(store.snapshot().accounts.map((account) => account.thumbprint)).toEqual([await client.thumbprint()])
    await store.close()
    expect(readFileSync(path.join(home, 'acme', 'journal.jsonl'), 'utf8')).toBe('')
  })

  it('refuses a second server on the same state directory, and a busy port, with clear errors', async () => {
    const home = tempDir('localcert-acme-busy-')
    const server = await startAcmeServer({home, port: 0})
    try {
      await expect(startAcmeServer({home, port: 0})).rejects.toMatchObject({code: 'ACME_ALREADY_RUNNING'})
      await expect(startAcmeServer({home: tempDir('localcert-acme-busy2-'), port: server.port})).rejects.toMatchObject({code: 'PORT_IN_USE', hint: expect.stringMatching(/--port/)})
      expect((await request(server.url, server.rootPem)).status).toBe(200)
    } finally {
      await server.close()
    }
  })
})
