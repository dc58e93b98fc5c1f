import {describe, expect, it, beforeAll, afterAll} from 'vitest'
import https from 'node:https'
import tls from 'node:tls'
import type {AddressInfo} from 'node:net'
import {openAuthority, type Authority} from '../../src/ca/authority.js'
import {issueLeaf} from '../../src/ca/leaf.js'
import {parseNames} from '../../src/ca/names.js'
import {buildPkcs12} from '../../src/ca/pkcs12.js'
import {tempDir} from '../support/env.js'

function connect(port: number, host: string, servername: string | undefined, ca: string) {
  return new Promise<{authorized: boolean; error?: string}>((resolve) => {
    const socket = tls.connect({host, port, servername, ca, rejectUnauthorized: false}, () => {
      const result = {authorized: socket.authorized, error: socket.authorizationError?.toString()}
      if (result.authorized && servername) {
        const failure = tls.checkServerIdentity(servername, socket.getPeerCertificate())
        if (failure) Object.assign(result, {authorized: false, error: (failure as NodeJS.ErrnoException).code})
      }
      socket.end()
      resolve(result)
    })
    socket.on('error', (error) => resolve({authorized: false, error: error.message}))
  })
}

describe('a node:https server with our files, and tls.connect trusting only our root', () => {
  let ca: Authority
  let server: https.Server
  let port: number

  beforeAll(async () => {
    ca = await openAuthority(tempDir())
    const leaf = await issueLeaf(ca, parseNames(['app.localhost', '*.app.localhost', 'localhost', '127.0.0.1', '::1']))
    server = https.createServer({cert: leaf.chainPem, key: leaf.keyPem}, (_req, res) => res.end('hello from localcert'))
    await new Promise<void>((resolve) => server.listen(0, '::', resolve))
    port = (server.address() as AddressInfo).port
  })
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

  it.each([
    ['127.0.0.1', 'app.localhost'],
    ['127.0.0.1', 'foo.app.localhost'],
    ['127.0.0.1', 'localhost'],
    ['::1', undefined],
    ['127.0.0.1', undefined],
  ])('accepts %s with servername %s', async (host, servername) => {
    const result = await connect(port, host, servername, ca.rootPem)
    expect(result).toEqual({authorized: true, error: undefined})
  })

  it('rejects a name the leaf does not carry', async () => {
    const result = await connect(port, '127.0.0.1', 'other.localhost', ca.rootPem)
    expect(result.authorized).toBe(false)
    expect(result.error).toBe('ERR_TLS_CERT_ALTNAME_INVALID')
  })

  it('serves a page to https.get with ca = root', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https.get({host: '127.0.0.1', port, servername: 'app.localhost', headers: {host: 'app.localhost'}, ca: ca.rootPem, path: '/'}, (res) => {
        let text = ''
        res.on('data', (chunk) => (text += chunk))
        res.on('end', () => resolve(text))
      }).on('error', reject)
    })
    expect(body).toBe('hello from localcert')
  })

  it('loads the PKCS#12 bundle into a TLS context that clients accept', async () => {
    const leaf = await issueLeaf(ca, parseNames(['p12.localhost']))
    const pfx = await buildPkcs12(leaf.keyPem!, leaf.chainPem + ca.rootPem, 'changeit')
    const p12Server = https.createServer({pfx, passphrase: 'changeit'}, (_req, res) => res.end('p12'))
    await new Promise<void>((resolve) => p12Server.listen(0, '127.0.0.1', resolve))
    try {
      const result = await connect((p12Server.address() as AddressInfo).port, '127.0.0.1', 'p12.localhost', ca.rootPem)
      expect(result.authorized).toBe(true)
    } finally {
      p12Server.close()
    }
  })
})
