import {createPublicKey} from 'node:crypto'
import {flattenedVerify, type JWK} from 'jose'
import {AcmeProblem} from '../problems.js'

/** What real clients sign with (RFC 8555 §6.2: ES256 MUST, EdDSA SHOULD; RSA for certbot's and lego's defaults). */
const SIGNATURE_ALGORITHMS = ['ES256', 'ES384', 'ES512', 'RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'EdDSA'] as const
export type SignatureAlgorithm = (typeof SIGNATURE_ALGORITHMS)[number]

const B64URL = /^[A-Za-z0-9_-]*$/
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth']
const CURVE_FOR_ALG: Record<string, string> = {ES256: 'P-256', ES384: 'P-384', ES512: 'P-521'}

export interface ProtectedHeader {
  alg: SignatureAlgorithm
  nonce?: string
  url: string
  jwk?: JWK
  kid?: string
  [other: string]: unknown
}

/** A flattened JWS (RFC 7515 §7.2.2) whose structure and protected header have been checked, not yet its signature. */
export interface ParsedJws {
  protected: string
  payload: string
  signature: string
  header: ProtectedHeader
}

export function isBase64url(value: unknown): value is string {
  return typeof value === 'string' && B64URL.test(value)
}

export function decodeJson(part: string, what: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  } catch {
    throw new AcmeProblem('malformed', `the ${what} is not base64url-encoded JSON`)
  }
}

/**
 * Checks the shape ACME requires (RFC 8555 §6.2): flattened JSON serialization, one signature, no unprotected
 * header, unpadded base64url, and a protected header with `alg`, `url`, and exactly one of `jwk` / `kid`.
 * @example const jws = parseJws(JSON.parse(body)); jws.header.url
 */
export function parseJws(body: unknown, what = 'request body'): ParsedJws {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new AcmeProblem('malformed', `the ${what} must be a flattened JWS object`)
  const jws = body as Record<string, unknown>
  if ('signatures' in jws) throw new AcmeProblem('malformed', 'use the flattened JWS serialization with exactly one signature, not the general one')
  if ('header' in jws) throw new AcmeProblem('malformed', 'a JWS for ACME must not have an unprotected header')
  for (const part of ['protected', 'payload', 'signature'] as const) {
    if (!isBase64url(jws[part])) throw new AcmeProblem('malformed', `the JWS "${part}" must be unpadded base64url`)
  }
  const header = decodeJson(jws.protected as string, 'JWS protected header')
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw new AcmeProblem('malformed', 'the JWS protected header must be a JSON object')
  const fields = header as Record<string, unknown>
  if (typeof fields.alg !== 'string' || !(SIGNATURE_ALGORITHMS as readonly string[]).includes(fields.alg)) {
    throw new AcmeProblem('badSignatureAlgorithm', `JWS algorithm ${JSON.stringify(fields.alg ?? null)} is not accepted; sign with one of ${SIGNATURE_ALGORITHMS.join(', ')}`, {algorithms: [...SIGNATURE_ALGORITHMS]})
  }
  if (typeof fields.url !== 'string') throw new AcmeProblem('malformed', 'the JWS protected header has no "url"')
  if ('b64' in fields) throw new AcmeProblem('malformed', 'the "b64" JWS header is not allowed in ACME')
  if ('jwk' in fields && 'kid' in fields) throw new AcmeProblem('malformed', 'the JWS protected header must carry "jwk" or "kid", not both')
  if (!('jwk' in fields) && !('kid' in fields)) throw new AcmeProblem('malformed', 'the JWS protected header must carry "jwk" (new account) or "kid" (every other request)')
  if ('kid' in fields && typeof fields.kid !== 'string') throw new AcmeProblem('malformed', 'the JWS "kid" must be an account URL')
  if ('jwk' in fields && (typeof fields.jwk !== 'object' || fields.jwk === null || Array.isArray(fields.jwk))) throw new AcmeProblem('malformed', 'the JWS "jwk" must be a JSON Web Key object')
  return {protected: jws.protected as string, payload: jws.payload as string, signature: jws.signature as string, header: fields as ProtectedHeader}
}

function rsaBits(n: unknown): number {
  if (typeof n !== 'string') return 0
  const bytes = Buffer.from(n, 'base64url')
  let start = 0
  while (start < bytes.length && bytes[start] === 0) start++
  if (start === bytes.length) return 0
  return (bytes.length - start - 1) * 8 + (32 - Math.clz32(bytes[start]!))
}

/**
 * Checks that a client key is a public key we accept and fits the algorithm (RFC 8555 §6.2, RFC 7518):
 * P-256/384/521 for ES256/384/512, RSA 2048–8192 bits for RSnnn and PSnnn, Ed25519 for EdDSA.
 */
export function checkJwk(jwk: JWK, alg: SignatureAlgorithm): void {
  if (PRIVATE_MEMBERS.some((member) => member in jwk)) throw new AcmeProblem('badPublicKey', 'the JWK contains private key material; send only the public key')
  if (alg.startsWith('ES')) {
    if (jwk.kty !== 'EC' || !['P-256', 'P-384', 'P-521'].includes(String(jwk.crv))) throw new AcmeProblem('badPublicKey', `${alg} needs an EC key on ${CURVE_FOR_ALG[alg]}, not ${jwk.kty} ${jwk.crv ?? ''}`.trim())
    if (jwk.crv !== CURVE_FOR_ALG[alg]) throw new AcmeProblem('badSignatureAlgorithm', `${alg} does not match a ${jwk.crv} key; sign with ${Object.keys(CURVE_FOR_ALG).find((key) => CURVE_FOR_ALG[key] === jwk.crv)}`, {algorithms: [...SIGNATURE_ALGORITHMS]})
  } else if (alg === 'EdDSA') {
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519') throw new AcmeProblem('badPublicKey', `EdDSA needs an Ed25519 key, not ${jwk.kty} ${jwk.crv ?? ''}`.trim())
  } else {
    if (jwk.kty !== 'RSA') throw new AcmeProblem('badPublicKey', `${alg} needs an RSA key, not ${jwk.kty}`)
    const bits = rsaBits(jwk.n)
    if (bits < 2048 || bits > 8192) throw new AcmeProblem('badPublicKey', `RSA account keys must have 2048 to 8192 bits, this one has ${bits}`)
  }
  try {
    createPublicKey({key: jwk as import('node:crypto').JsonWebKey, format: 'jwk'})
  } catch {
    throw new AcmeProblem('badPublicKey', 'the JWK is not a valid public key (bad point or encoding)')
  }
}

/**
 * Verifies the signature of a parsed JWS with `jwk` and returns the payload text ("" for POST-as-GET).
 * jose caches the imported key per JWK object, so reuse the stored account JWK to avoid re-importing it.
 */
export async function verifyJws(jws: ParsedJws, jwk: JWK): Promise<string> {
  try {
    const {payload} = await flattenedVerify({protected: jws.protected, payload: jws.payload, signature: jws.signature}, jwk, {algorithms: [jws.header.alg]})
    return new TextDecoder().decode(payload)
  } catch (error) {
    const code = (error as {code?: string}).code
    if (code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED') throw new AcmeProblem('malformed', 'the JWS signature does not verify with the account key')
    if (code === 'ERR_JWS_INVALID' || code === 'ERR_JOSE_ALG_NOT_ALLOWED') throw new AcmeProblem('malformed', `invalid JWS: ${(error as Error).message}`)
    throw new AcmeProblem('badPublicKey', `the key cannot verify ${jws.header.alg} signatures: ${(error as Error).message}`)
  }
}

/** The payload as a JSON object; undefined for POST-as-GET (the empty payload, RFC 8555 §6.3). */
export function parsePayload(text: string): Record<string, unknown> | undefined {
  if (text === '') return undefined
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    throw new AcmeProblem('malformed', 'the JWS payload is not valid JSON')
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AcmeProblem('malformed', 'the JWS payload must be a JSON object (or empty for POST-as-GET)')
  return value as Record<string, unknown>
}
