import {describe, expect, it} from 'vitest'
import https from 'node:https'
import tls from 'node:tls'
import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import type {AddressInfo} from 'node:net'
import {autoRenew, httpsOptions, renewalDue} from '../../src/api/dev-server.js'
import {issueCertificate} from '../../src/api/issue.js'
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
})
