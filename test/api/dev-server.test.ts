import {describe, expect, it, vi} from 'vitest'
import https from 'node:https'
import tls from 'node:tls'
import {readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import type {AddressInfo} from 'node:net'
import {X509Certificate} from 'node:crypto'
import {rotateIntermediate} from '../../src/ca/authority.js'
import {autoRenew, httpsOptions, type HttpsOptions} from '../../src/api/dev-server.js'
import {renewalAt, renewalDue} from '../../src/ca/lifetime.js'
import {issueCertificate} from '../../src/ca/issue.js'
import {tempDir} from '../support/env.js'

function peerSerial(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({host: '127.0.0.1', port, servername: 'app.localhost', ca}, () => {
      resolve(socket.getPeerCertificate().serialNumber.toLowerCase())
      socket.end()
    })
    socket.on('error', reject)
  })
}

// taken before any test fakes the timers
const realSetTimeout = globalThis.setTimeout

/** Polls every 10 ms on the real clock (a fake one only moves when told) until `done()`, failing with `what` after 10 s. */
async function eventually(done: () => boolean, what: string): Promise<void> {
  for (let poll = 0; !done(); poll++) {
    if (poll === 1_000) throw new Error(`never happened: ${what}`)
    await new Promise((resolve) => realSetTimeout(resolve, 10))
  }
}

describe('the Node API for dev servers', () => {
  it('issueCertificate creates the CA on first use and returns key, chain and root', async () => {
    const home = path.join(tempDir(), 'home')
    const result = await issueCertificate(['app.localhost', '127.0.0.1'], {home, days: 3})
    expect(result.caCreated).toBe(true)
    expect(result.chainPem.match(/BEGIN CERTIFICATE/g)).toHaveLength(2)
    expect(result.keyPem).toMatch(/BEGIN PRIVATE KEY/)
    expect(result.rootPem).toBe(readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8'))
    await expect(issueCertificate(['example.com'], {home})).rejects.toMatchObject({code: 'NAME_NOT_ALLOWED'})
  })

  it('httpsOptions reuses the certificate of a previous boot while it is fresh, and replaces it when renewal is due', async () => {
    const home = tempDir()
    const first = await httpsOptions(['app.localhost'], {home})
    const second = await httpsOptions(['app.localhost'], {home})
    expect(second.serial).toBe(first.serial)
    expect(first.notAfter.getTime() - first.notBefore.getTime()).toBe(7 * 86_400_000)
    // age the cached entry past two thirds of its life
    const dir = path.join(home, 'dev')
    const file = path.join(dir, readdirSync(dir)[0]!)
    const cached = JSON.parse(readFileSync(file, 'utf8'))
    cached.notBefore = new Date(Date.now() - 6 * 86_400_000).toISOString()
    cached.notAfter = new Date(Date.now() + 86_400_000).toISOString()
    writeFileSync(file, JSON.stringify(cached))
    const third = await httpsOptions(['app.localhost'], {home})
    expect(third.serial).not.toBe(first.serial)
  })

  it('after a rotation (here, or by another process) the same process signs with the new intermediate, and a boot gets a new certificate', async () => {
    const home = tempDir()
    const first = await httpsOptions(['rot.localhost'], {home})
    const before = JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')).intermediate
    await rotateIntermediate(home)
    const after = JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')).intermediate
    expect(after.fingerprint).not.toBe(before.fingerprint)
    const issuer = (pem: string) => new X509Certificate(pem).issuer
    const newIntermediate = new X509Certificate(readFileSync(path.join(home, 'ca', `intermediate-${after.id}.pem`), 'utf8'))
    const leaf = await issueCertificate(['rot.localhost'], {home})
    expect(new X509Certificate(leaf.certPem).verify(newIntermediate.publicKey)).toBe(true)
    expect(leaf.intermediateFingerprint).toBe(after.fingerprint)
    const second = await httpsOptions(['rot.localhost'], {home})
    expect(second.serial).not.toBe(first.serial)
    expect(new X509Certificate(second.cert).verify(newIntermediate.publicKey)).toBe(true)
    expect(issuer(second.cert)).toBe(newIntermediate.subject)
  })

  it('caches per lifetime: asking for another --days is not answered with the 7-day certificate', async () => {
    const home = tempDir()
    const week = await httpsOptions(['days.localhost'], {home})
    const month = await httpsOptions(['days.localhost'], {home, days: 30})
    expect(month.serial).not.toBe(week.serial)
    expect(Math.round((month.notAfter.getTime() - Date.now()) / 86_400_000)).toBe(30)
    expect((await httpsOptions(['days.localhost'], {home, days: 30})).serial).toBe(month.serial)
  })

  it('httpsOptions reports a name no program here can reach, with the fix, and says nothing about loopback names; a cached boot repeats it', async () => {
    const home = path.join(tempDir(), 'home')
    const missing = `nope-${process.pid}-${Date.now()}.test`
    const fresh = await httpsOptions(['localhost', '127.0.0.1', missing], {home})
    expect(fresh.warnings).toEqual([expect.stringMatching(new RegExp(`^${missing.replace(/\./g, '\\.')} does not resolve.*localcert hosts add ${missing.replace(/\./g, '\\.')}`))])
    expect((await httpsOptions(['localhost', '127.0.0.1'], {home})).warnings).toEqual([])
    const cached = await httpsOptions(['localhost', '127.0.0.1', missing], {home})
    expect(cached.serial).toBe(fresh.serial)
    expect(cached.warnings).toEqual(fresh.warnings)
  })

  it('renewalDue fires at two thirds of the lifetime', () => {
    const start = new Date(0)
    const end = new Date(300)
    expect(renewalDue(start, end, 199)).toBe(false)
    expect(renewalDue(start, end, 200)).toBe(true)
  })

  it('autoRenew swaps a running server to a new certificate without a restart', async () => {
    const home = tempDir()
    const initial = await httpsOptions(['app.localhost'], {home})
    const server = https.createServer(initial, (_req, res) => res.end('ok'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const renewal = autoRenew(server, ['app.localhost'], {home})
    try {
      expect(await peerSerial(port, initial.ca)).toBe(initial.serial)
      const renewed = await renewal.renewNow()
      expect(renewed.serial).not.toBe(initial.serial)
      expect(await peerSerial(port, initial.ca)).toBe(renewed.serial)
    } finally {
      renewal.stop()
      server.close()
    }
  })

  it('autoRenew given the certificate the server started with schedules from it and reads nothing at start', async () => {
    const blocker = path.join(tempDir(), 'blocker')
    writeFileSync(blocker, 'a file where the home directory should go')
    const errors: unknown[] = []
    const now = Date.now()
    // a home that cannot be read: any httpsOptions call at start would fail and be reported
    const renewal = autoRenew({setSecureContext: () => undefined}, ['app.localhost'], {home: path.join(blocker, 'home'), current: {notBefore: new Date(now), notAfter: new Date(now + 7 * 86_400_000)}, onError: (error) => errors.push(error)})
    await new Promise((resolve) => setTimeout(resolve, 300))
    renewal.stop()
    expect(errors).toEqual([])
  })

  it('autoRenew tries again after a failed renewal (1 min, then longer) instead of giving up for the session', async () => {
    const dir = tempDir()
    const blocker = path.join(dir, 'blocker')
    writeFileSync(blocker, 'a file where the home directory should go')
    const home = path.join(blocker, 'home')
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout']})
    try {
      const swaps: string[] = []
      const errors: unknown[] = []
      const renewal = autoRenew({setSecureContext: (options) => void swaps.push(String(options.cert))}, ['app.localhost'], {home, onError: (error) => errors.push(error)})
      await eventually(() => errors.length > 0, 'the first renewal failed and was reported')
      expect(errors).toHaveLength(1)
      rmSync(blocker)
      await vi.advanceTimersByTimeAsync(59_000)
      expect(swaps).toEqual([])
      await vi.advanceTimersByTimeAsync(1_000)
      await eventually(() => swaps.length > 0, 'the retry a minute later swapped a certificate in')
      expect(swaps).toEqual([expect.stringContaining('BEGIN CERTIFICATE')])
      renewal.stop()
    } finally {
      vi.useRealTimers()
    }
  })

  it('autoRenew\'s own timer swaps a new certificate into the running server once two thirds of the leaf\'s life have passed, and not before (no renewNow)', async () => {
    const home = tempDir()
    const realNow = Date.now()
    vi.useFakeTimers({toFake: ['setTimeout', 'clearTimeout', 'Date']})
    const server = https.createServer((_req, res) => res.end('ok'))
    let renewal: ReturnType<typeof autoRenew> | undefined
    try {
      // The fake clock starts 5 days back, so the renewal moment (day 4.67 of a 7-day leaf) falls just before the real
      // now: the first and the renewed certificate are then both valid for the real clock, which the TLS handshake uses.
      vi.setSystemTime(realNow - 5 * 86_400_000)
      const initial = await httpsOptions(['app.localhost'], {home})
      server.setSecureContext(initial)
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      const port = (server.address() as AddressInfo).port
      const swapped = vi.spyOn(server, 'setSecureContext')
      const scheduled = vi.spyOn(globalThis, 'setTimeout')
      const renewals: HttpsOptions[] = []
      const errors: unknown[] = []
      renewal = autoRenew(server, ['app.localhost'], {home, onRenew: (certificate) => renewals.push(certificate), onError: (error) => errors.push(error)})
      const due = renewalAt(initial.notBefore, initial.notAfter).getTime()
      // the timer is set once the boot's certificate has been read back from the cache
      await eventually(() => scheduled.mock.calls.some(([, delay]) => delay === due - Date.now()), 'autoRenew set a timer for the renewal moment')

      await vi.advanceTimersByTimeAsync(due - Date.now() - 60_000)
      expect(renewals).toEqual([])
      expect(swapped).not.toHaveBeenCalled()
      expect(await peerSerial(port, initial.ca)).toBe(initial.serial)

      await vi.advanceTimersByTimeAsync(2 * 60_000)
      await eventually(() => renewals.length > 0 || errors.length > 0, 'the timer renewed the certificate')
      expect(errors).toEqual([])
      const renewed = renewals[0]!
      expect(renewed.serial).not.toBe(initial.serial)
      expect(swapped).toHaveBeenCalledTimes(1)
      expect(new X509Certificate(String(swapped.mock.calls[0]![0]!.cert)).serialNumber.toLowerCase()).toBe(renewed.serial)
      expect(await peerSerial(port, initial.ca)).toBe(renewed.serial)
    } finally {
      renewal?.stop()
      vi.useRealTimers()
      vi.restoreAllMocks()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
