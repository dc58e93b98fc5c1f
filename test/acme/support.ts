import https from 'node:https'
import {constants, generateKeyPairSync, sign, type KeyObject} from 'node:crypto'
import {execFileSync} from 'node:child_process'
import path from 'node:path'
import acme from 'acme-client'
import {exportJWK, FlattenedSign, calculateJwkThumbprint, type JWK} from 'jose'
import {startAcmeServer, type AcmeServer, type AcmeServerOptions} from '../../src/acme/server.js'
import {onCleanup, tempDir} from '../support/env.js'

export interface HttpResult {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  json: any
}

/** A plain HTTPS request to our server, trusting only its root (loopback only). */
export function request(url: string, ca: string, options: {method?: string; headers?: Record<string, string>; body?: string | Buffer} = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = https.request(url, {method: options.method ?? 'GET', headers: options.headers, ca, agent: false, servername: new URL(url).hostname.replace(/^\[.*\]$/, '')}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({status: res.statusCode ?? 0, headers: res.headers, text, json})
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

export type KeyKind = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'PS256' | 'EdDSA' | 'RS256-1024'

export function accountKey(kind: KeyKind = 'ES256'): {privateKey: KeyObject; jwk: JWK; alg: string} {
  const options: Record<string, () => {privateKey: KeyObject; publicKey: KeyObject}> = {
    ES256: () => generateKeyPairSync('ec', {namedCurve: 'P-256'}),
    ES384: () => generateKeyPairSync('ec', {namedCurve: 'P-384'}),
    ES512: () => generateKeyPairSync('ec', {namedCurve: 'P-521'}),
    RS256: () => generateKeyPairSync('rsa', {modulusLength: 2048}),
    PS256: () => generateKeyPairSync('rsa', {modulusLength: 2048}),
    EdDSA: () => generateKeyPairSync('ed25519'),
    'RS256-1024': () => generateKeyPairSync('rsa', {modulusLength: 1024}),
  }
  const pair = options[kind]!()
  const jwk = pair.publicKey.export({format: 'jwk'}) as JWK
  return {privateKey: pair.privateKey, jwk, alg: kind === 'RS256-1024' ? 'RS256' : kind}
}

/** Signs like a JWS library would, but for any alg/key pairing, valid or not (that is the point of the tests). */
export function rawSign(alg: string, key: KeyObject, input: Buffer): Buffer {
  const bits = alg.slice(2)
  if (alg.startsWith('ES')) return sign(`sha${bits === '512' ? 512 : bits}`, input, {key, dsaEncoding: 'ieee-p1363'})
  if (alg.startsWith('RS')) return sign(`sha${bits}`, input, key)
  if (alg.startsWith('PS')) return sign(`sha${bits}`, input, {key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(bits) / 8})
  if (alg === 'EdDSA') return sign(null, input, key)
  return Buffer.alloc(0)
}

/**
 * A hand-rolled ACME client that can send anything, including what a real client never would: every header and
 * the payload are the caller's to choose, so the failure tests can break one rule at a time.
 */
/** The directory object (RFC 8555 §7.1.1) as our server publishes it. */
export interface AcmeDirectory {
  newNonce: string
  newAccount: string
  newOrder: string
  revokeCert: string
  keyChange: string
  renewalInfo: string
  meta: {externalAccountRequired?: boolean; profiles?: Record<string, string>; [key: string]: unknown}
}

export class RawClient {
  kid?: string
  readonly key: ReturnType<typeof accountKey>
  private directory?: AcmeDirectory

  constructor(readonly server: AcmeServer, kind: KeyKind = 'ES256') {
    this.key = accountKey(kind)
  }

  async dir(): Promise<AcmeDirectory> {
    this.directory ??= (await request(this.server.url, this.server.rootPem)).json
    return this.directory!
  }

  async nonce(): Promise<string> {
    const response = await request((await this.dir()).newNonce, this.server.rootPem, {method: 'HEAD'})
    return response.headers['replay-nonce'] as string
  }

  async thumbprint(): Promise<string> {
    return calculateJwkThumbprint(this.key.jwk)
  }

  /** Signs `payload` (undefined = POST-as-GET) for `url`; `header` overrides/extends the protected header. */
  async sign(url: string, payload: unknown, header: Record<string, unknown> = {}, key = this.key): Promise<Record<string, string>> {
    const base: Record<string, unknown> = {alg: key.alg, nonce: await this.nonce(), url}
    if (this.kid && !('jwk' in header)) base.kid = this.kid
    else base.jwk = key.jwk
    const protectedHeader = Object.fromEntries(Object.entries({...base, ...header}).filter(([, value]) => value !== undefined))
    const encodedHeader = Buffer.from(JSON.stringify(protectedHeader)).toString('base64url')
    const encodedPayload = payload === undefined ? '' : Buffer.from(JSON.stringify(payload)).toString('base64url')
    const signature = rawSign(String(protectedHeader.alg), key.privateKey, Buffer.from(`${encodedHeader}.${encodedPayload}`))
    return {protected: encodedHeader, payload: encodedPayload, signature: signature.toString('base64url')}
  }

  async post(url: string, payload: unknown, header: Record<string, unknown> = {}, options: {contentType?: string; body?: string; key?: ReturnType<typeof accountKey>} = {}): Promise<HttpResult> {
    const body = options.body ?? JSON.stringify(await this.sign(url, payload, header, options.key))
    return request(url, this.server.rootPem, {method: 'POST', headers: {'Content-Type': options.contentType ?? 'application/jose+json'}, body})
  }

  /** The EAB inner JWS (RFC 8555 §7.3.4) with the server's credentials unless told otherwise. */
  async eab(url: string, override: {kid?: string; hmacKey?: string; url?: string; payload?: unknown; alg?: string} = {}): Promise<Record<string, string>> {
    const key = Buffer.from(override.hmacKey ?? this.server.eab!.hmacKey, 'base64url')
    const payload = new TextEncoder().encode(JSON.stringify(override.payload ?? this.key.jwk))
    return (await new FlattenedSign(payload).setProtectedHeader({alg: override.alg ?? 'HS256', kid: override.kid ?? this.server.eab!.kid, url: override.url ?? url}).sign(key)) as unknown as Record<string, string>
  }

  async register(payload: Record<string, unknown> = {}): Promise<HttpResult> {
    const url = (await this.dir()).newAccount
    const response = await this.post(url, {termsOfServiceAgreed: true, externalAccountBinding: await this.eab(url), ...payload}, {jwk: this.key.jwk})
    if (response.headers.location) this.kid = response.headers.location as string
    return response
  }

  async order(identifiers: Array<{type: string; value: string}>, extra: Record<string, unknown> = {}): Promise<HttpResult> {
    return this.post((await this.dir()).newOrder, {identifiers, ...extra})
  }
}

/**
 * Makes acme-client, which sends every request through one module-wide axios instance (its Client takes no agent),
 * trust `rootPem` alone until the test file ends, then puts back the agent it found, so no other test inherits it.
 * @example trustForAcmeClient(server.rootPem, {keepAlive: true}); await new acme.Client({directoryUrl: server.url, ...}).auto(...)
 */
export function trustForAcmeClient(rootPem: string, options: {keepAlive?: boolean} = {}): void {
  const previous = acme.axios.defaults.httpsAgent
  const agent = new https.Agent({ca: rootPem, keepAlive: options.keepAlive ?? false})
  acme.axios.defaults.httpsAgent = agent
  onCleanup(() => {
    acme.axios.defaults.httpsAgent = previous
    agent.destroy()
  })
}

/** A server on an ephemeral port with its own temporary LOCALCERT_HOME, closed after the test file. */
export async function testServer(options: AcmeServerOptions = {}): Promise<AcmeServer> {
  const server = await startAcmeServer({home: options.home ?? tempDir('localcert-acme-'), port: 0, ...options})
  onCleanup(() => server.close())
  return server
}

/** A CSR made by openssl (the client side of real life), DER base64url, plus its key file. */
export function opensslCsr(dir: string, names: string[], options: {key?: 'ec' | 'rsa' | 'ed25519' | 'rsa1024' | 'p521'; cn?: string; sha1?: boolean; extra?: string[]} = {}): {csr: string; keyFile: string} {
  const stamp = Math.random().toString(36).slice(2)
  const keyFile = path.join(dir, `${stamp}.key`)
  const csrFile = path.join(dir, `${stamp}.csr`)
  const keyArgs: Record<string, string[]> = {
    ec: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
    p521: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-521'],
    rsa: ['-newkey', 'rsa:2048'],
    rsa1024: ['-newkey', 'rsa:1024'],
    ed25519: ['-newkey', 'ed25519'],
  }
  const san = names.map((name) => (/^[\d.]+$|:/.test(name) ? `IP:${name}` : `DNS:${name}`)).join(',')
  const args = ['req', '-new', ...keyArgs[options.key ?? 'ec']!, '-nodes', '-keyout', keyFile, '-out', csrFile, '-outform', 'DER', '-subj', options.cn === undefined ? '/' : `/CN=${options.cn}`]
  if (san) args.push('-addext', `subjectAltName=${san}`)
  if (options.sha1) args.push('-sha1')
  args.push(...(options.extra ?? []))
  execFileSync('openssl', args, {stdio: 'pipe'})
  return {csr: execFileSync('base64', ['-w0', csrFile]).toString().replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''), keyFile}
}

export {exportJWK}
