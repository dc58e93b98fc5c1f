import {EventEmitter} from 'node:events'
import {readdirSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ariCertId, parseAriCertId} from '../../src/acme/handlers/ari.js'
import {positiveIntegerContent} from '../../src/lib/der.js'
import type {AcmeContext} from '../../src/acme/context.js'
import {createFront} from '../../src/acme/front/front.js'
import {isJoseJson} from '../../src/acme/front/http.js'
import type {CertificateRecord, Order} from '../../src/acme/storage/model.js'
import {NonceStore} from '../../src/acme/front/nonces.js'
import {AcmeProblem, PROBLEM_PREFIX, PROBLEM_STATUS, identifierProblem} from '../../src/acme/problems.js'
import {RateLimiter} from '../../src/acme/rate-limits.js'
import {AcmeStore} from '../../src/acme/storage/store.js'
import {tempDir} from '../support/env.js'

describe('problem documents', () => {
  // RFC 8555 §9.7 registry, RFC 9773 §7.4 alreadyReplaced, draft-ietf-acme-profiles invalidProfile
  const registry = ['accountDoesNotExist', 'alreadyReplaced', 'alreadyRevoked', 'badCSR', 'badNonce', 'badPublicKey', 'badRevocationReason', 'badSignatureAlgorithm', 'caa', 'compound', 'connection', 'dns', 'externalAccountRequired', 'incorrectResponse', 'invalidContact', 'invalidProfile', 'malformed', 'orderNotReady', 'rateLimited', 'rejectedIdentifier', 'serverInternal', 'tls', 'unauthorized', 'unsupportedContact', 'unsupportedIdentifier', 'userActionRequired']

  // The HTTP status each type is sent with, written out here independently of PROBLEM_STATUS: 403 where RFC 8555
  // says so (orderNotReady §7.4, unauthorized), 409 for alreadyReplaced (RFC 9773), 429 rateLimited, 500
  // serverInternal, and 400 for every other client error (§6.7).
  const expectedStatus: Record<string, number> = {alreadyReplaced: 409, orderNotReady: 403, unauthorized: 403, rateLimited: 429, serverInternal: 500}

  it.each(Object.keys(PROBLEM_STATUS))('%s is a registered type sent with the status RFC 8555 gives it', (type) => {
    expect(registry).toContain(type)
    const document = new AcmeProblem(type as keyof typeof PROBLEM_STATUS, 'what went wrong').toDocument()
    expect(document).toEqual({type: PROBLEM_PREFIX + type, detail: 'what went wrong', status: expectedStatus[type] ?? 400})
  })

  it('puts identifiers only inside subproblems and picks compound for mixed failures', () => {
    const mixed = identifierProblem([
      {type: 'rejectedIdentifier', detail: 'a', identifier: {type: 'dns', value: 'example.com'}},
      {type: 'unsupportedIdentifier', detail: 'b', identifier: {type: 'dns', value: 'x'}},
    ]).toDocument()
    expect(mixed.type).toBe(PROBLEM_PREFIX + 'compound')
    expect(mixed).not.toHaveProperty('identifier')
    expect(mixed.subproblems![0]).toEqual({type: PROBLEM_PREFIX + 'rejectedIdentifier', detail: 'a', identifier: {type: 'dns', value: 'example.com'}})
  })
})

describe('nonces', () => {
  it('are 128-bit base64url, single use, and expire', () => {
    const nonces = new NonceStore({ttlMs: 1_000})
    const nonce = nonces.issue(0)
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(nonces.consume(nonce, 10)).toBe(true)
    expect(nonces.consume(nonce, 10)).toBe(false)
    expect(nonces.consume(nonces.issue(0), 2_000)).toBe(false)
  })

  it('stay within their cap under a flood of newNonce calls', () => {
    const nonces = new NonceStore({capacity: 1_000})
    const first = nonces.issue()
    for (let i = 0; i < 20_000; i++) nonces.issue()
    expect(nonces.size).toBe(1_000)
    expect(nonces.consume(first)).toBe(false)
  })

  it('can reject a share of valid nonces on purpose (chaos knob for client tests)', () => {
    const nonces = new NonceStore({rejectRate: 1})
    expect(nonces.consume(nonces.issue())).toBe(false)
  })
})

describe('ARI certificate identifiers (RFC 9773 §4.1)', () => {
  it('reproduces the RFC example', () => {
    // keyIdentifier 69:88:5B:6B:87:46:40:41:E1:B3:7B:84:7B:A0:AE:2C:DE:01:C8:D4, serial 0x87654321
    expect(ariCertId(Buffer.from('69885b6b87464041e1b37b847ba0ae2cde01c8d4', 'hex'), '87654321')).toBe('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE')
  })

  it('normalises what clients send: a missing or extra leading zero byte maps to the same certificate', () => {
    expect(parseAriCertId('aYhba4dGQEHhs3uEe6CuLN4ByNQ.h2VDIQ')).toBe('aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE')
    expect(positiveIntegerContent(Buffer.from('00007f', 'hex')).toString('hex')).toBe('7f')
    expect(() => parseAriCertId('aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE')).toThrow(AcmeProblem)
  })
})

describe('request media type', () => {
  it.each([
    ['application/jose+json', true],
    ['application/jose+json; charset=utf-8', true],
    ['Application/JOSE+JSON', true],
    ['application/json', false],
    [undefined, false],
  ])('%s → %s', (value, accepted) => expect(isJoseJson(value)).toBe(accepted))
})

describe('rate limiter', () => {
  it('refills over the hour and says when to retry', () => {
    const limits = new RateLimiter({ordersPerAccountPerHour: 2}, 0)
    limits.takeOrder('a', ['x'], 0)
    limits.takeOrder('a', ['x'], 0)
    expect(() => limits.takeOrder('a', ['x'], 0)).toThrow(/Retry after 1800 s/)
    expect(() => limits.takeOrder('a', ['x'], 1_800_000)).not.toThrow()
    expect(() => limits.takeOrder('b', ['x'], 0)).not.toThrow()
  })
})

function order(id: string, expires: number, status: Order['status'] = 'valid'): Order {
  return {id, accountId: 'acct', status, expires: new Date(expires).toISOString(), identifiers: [], profile: 'default', authorizations: [], createdAt: new Date(0).toISOString()}
}

function cert(id: string, notAfter: number): CertificateRecord {
  return {id, accountId: 'acct', orderId: id, serial: id, ariId: `a.${id}`, names: [], profile: 'default', notBefore: new Date(0).toISOString(), notAfter: new Date(notAfter).toISOString(), intermediateFingerprint: 'i', rootFingerprint: 'r', fingerprint: id}
}

describe('the store stays bounded', () => {
  it('forgets finished orders first, then the oldest, when over its cap', async () => {
    const store = await AcmeStore.open(tempDir('localcert-acme-store-'), {maxOrders: 3})
    const later = Date.now() + 3_600_000
    store.saveOrder(order('live-old', later, 'pending'))
    for (const id of ['done-1', 'done-2', 'done-3']) store.saveOrder(order(id, later))
    const orderIds = () => store.snapshot().orders.map((item) => item.id)
    expect(orderIds()).toEqual(['live-old', 'done-2', 'done-3'])
    store.saveOrder(order('live-new', later, 'pending'))
    expect(orderIds()).toHaveLength(3)
    expect(store.order('live-old')).toBeDefined()
    await store.close()
  })

  it('sweeps expired orders and certificates, and compaction deletes their chains from disk', async () => {
    const dir = tempDir('localcert-acme-sweep-')
    const store = await AcmeStore.open(dir, {compactAfter: 1_000_000})
    const now = Date.now()
    store.saveOrder(order('expired', now - 1))
    store.saveOrder(order('current', now + 60_000))
    store.saveCertificate(cert('oldcert', now - 1), '-----BEGIN CERTIFICATE-----\nold\n-----END CERTIFICATE-----\n')
    store.saveCertificate(cert('newcert', now + 60_000), '-----BEGIN CERTIFICATE-----\nnew\n-----END CERTIFICATE-----\n')
    await store.journal.flush()
    expect(readdirSync(path.join(dir, 'certs')).sort()).toEqual(['newcert.pem', 'oldcert.pem'])
    store.sweep(now)
    expect(store.snapshot().orders.map((item) => item.id)).toEqual(['current'])
    expect(store.snapshot().certificates.map((item) => item.id)).toEqual(['newcert'])
    await store.journal.compact(() => store.snapshot())
    expect(readdirSync(path.join(dir, 'certs'))).toEqual(['newcert.pem'])
    await store.close()
  })

  it('does not queue another snapshot for a record that arrives while one is being written', async () => {
    const store = await AcmeStore.open(tempDir('localcert-acme-compact-'), {compactAfter: 10})
    let snapshots = 0
    const snapshot = store.snapshot.bind(store)
    store.snapshot = () => {
      snapshots++
      return snapshot()
    }
    for (let i = 0; i < 11; i++) store.saveOrder(order(`o${i}`, Date.now() + 60_000)) // the 11th queues a compaction
    while (snapshots === 0) await new Promise((resolve) => setImmediate(resolve)) // the writer took its snapshot…
    store.saveOrder(order('late', Date.now() + 60_000)) // …and is writing it when one more record arrives
    await store.close()
    expect(snapshots).toBe(1)
    expect((await AcmeStore.open(store.journal.paths.dir, {compactAfter: 10})).order('late')).toBeDefined()
  })
})

describe('the front end survives its own bugs', () => {
  it('turns an unexpected exception into serverInternal with a nonce, reports it, and answers the next request', async () => {
    const events: unknown[] = []
    const nonces = new NonceStore()
    let fail = true
    const ctx = {
      nonces,
      eabRequired: false,
      ca: {refresh: async () => undefined},
      emit: (event: unknown) => events.push(event),
      store: {
        account(): unknown {
          if (fail) throw new Error('simulated bug')
          return undefined
        },
      },
    } as unknown as AcmeContext
    const front = createFront(ctx)
    const call = async (body: string) => {
      const req = Object.assign(new EventEmitter(), {method: 'POST', url: '/acme/new-order', headers: {host: 'localhost', 'content-type': 'application/jose+json'}, complete: false, resume() {}, destroy() {}})
      const res = {status: 0, headers: {} as Record<string, unknown>, body: '', headersSent: false, writeHead(status: number, headers: Record<string, unknown>) { this.status = status; this.headers = headers }, end(chunk?: string) { this.body = chunk ?? '' }, destroy() {}}
      const done = front(req as never, res as never)
      req.emit('data', Buffer.from(body))
      req.emit('end')
      await done
      return res
    }
    const header = Buffer.from(JSON.stringify({alg: 'ES256', nonce: nonces.issue(), url: 'https://localhost/acme/new-order', kid: 'https://localhost/acme/acct/x'})).toString('base64url')
    const first = await call(JSON.stringify({protected: header, payload: '', signature: 'AA'}))
    expect(first.status).toBe(500)
    expect(JSON.parse(first.body).type).toBe(PROBLEM_PREFIX + 'serverInternal')
    expect(first.headers['Replay-Nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/)
    expect(events).toEqual([expect.objectContaining({type: 'error', message: 'simulated bug'})])
    fail = false
    const second = await call(JSON.stringify({protected: header, payload: '', signature: 'AA'}))
    expect(JSON.parse(second.body).type).toBe(PROBLEM_PREFIX + 'accountDoesNotExist')
  })
})
