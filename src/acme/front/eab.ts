import {calculateJwkThumbprint, flattenedVerify, type JWK} from 'jose'
import type {EabCredentials} from '../../state/discovery.js'
import {decodeJson, isBase64url} from './jws.js'
import {AcmeProblem} from '../problems.js'

const MAC_ALGORITHMS = ['HS256', 'HS384', 'HS512']
const RERUN = 'run `localcert env` to get the current ACME_KID and ACME_HMAC_KEY'

export interface ExternalBinding {
  protected: string
  payload: string
  signature: string
}

/**
 * Verifies the External Account Binding of a newAccount request (RFC 8555 §7.3.4): an HS256/384/512 JWS over the
 * account's JWK, with our kid, no nonce, and the same `url` as the outer request. Accepts a MAC computed with the
 * decoded key (the RFC's way) or with the key's text (what some clients do), so no client is left out.
 * @example const binding = await verifyEab(payload.externalAccountBinding, jwk, url, await ensureEab(home))
 */
export async function verifyEab(value: unknown, accountJwk: JWK, outerUrl: string, credentials: EabCredentials): Promise<ExternalBinding & {kid: string}> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new AcmeProblem('malformed', 'externalAccountBinding must be a flattened JWS object')
  const binding = value as Record<string, unknown>
  for (const part of ['protected', 'payload', 'signature'] as const) {
    if (!isBase64url(binding[part])) throw new AcmeProblem('malformed', `externalAccountBinding.${part} must be unpadded base64url`)
  }
  const jws = binding as unknown as ExternalBinding
  const header = decodeJson(jws.protected, 'externalAccountBinding protected header') as Record<string, unknown>
  if (typeof header !== 'object' || header === null) throw new AcmeProblem('malformed', 'the externalAccountBinding protected header must be a JSON object')
  if (typeof header.alg !== 'string' || !MAC_ALGORITHMS.includes(header.alg)) {
    throw new AcmeProblem('malformed', `externalAccountBinding must be signed with ${MAC_ALGORITHMS.join(', ')}, not ${JSON.stringify(header.alg ?? null)}`)
  }
  if ('nonce' in header) throw new AcmeProblem('malformed', 'the externalAccountBinding JWS must not carry a nonce')
  if (header.url !== outerUrl) throw new AcmeProblem('unauthorized', `the externalAccountBinding "url" must be the newAccount URL ${outerUrl}`)
  if (header.kid !== credentials.kid) throw new AcmeProblem('unauthorized', `unknown EAB key id ${JSON.stringify(header.kid ?? null)}; ${RERUN}`)
  const inner = decodeJson(jws.payload, 'externalAccountBinding payload')
  if (typeof inner !== 'object' || inner === null) throw new AcmeProblem('malformed', 'the externalAccountBinding payload must be the account JWK')
  let same = false
  try {
    same = (await calculateJwkThumbprint(inner as JWK)) === (await calculateJwkThumbprint(accountJwk))
  } catch {
    same = false
  }
  if (!same) throw new AcmeProblem('unauthorized', 'the externalAccountBinding payload is not the key that signs this request')
  const keys = [Buffer.from(credentials.hmacKey, 'base64url'), Buffer.from(credentials.hmacKey, 'utf8')]
  for (const key of keys) {
    try {
      await flattenedVerify(jws, new Uint8Array(key), {algorithms: [header.alg]})
      return {protected: jws.protected, payload: jws.payload, signature: jws.signature, kid: credentials.kid}
    } catch {
      // try the next encoding of the key
    }
  }
  throw new AcmeProblem('unauthorized', `the externalAccountBinding MAC does not verify with the key for ${credentials.kid}; ${RERUN}`)
}
