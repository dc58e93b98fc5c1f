import type {JWK} from 'jose'
import type {CaView} from './ca-view.js'
import type {EabCredentials} from '../state/discovery.js'
import type {Urls} from './front/directory.js'
import type {ProtectedHeader} from './front/jws.js'
import type {Account} from './storage/model.js'
import type {NonceStore} from './front/nonces.js'
import type {RateLimiter} from './rate-limits.js'
import type {AcmeStore} from './storage/store.js'

/** Something worth telling the person running the server; the core never prints, `serve` decides what to show. */
export type AcmeEvent =
  | {type: 'account'; accountId: string; eabKid?: string}
  | {type: 'issued'; accountId: string; orderId: string; serial: string; names: string[]; profile: string}
  | {type: 'revoked'; serial: string; reason: number}
  | {type: 'validation'; orderId: string; identifier: string; challenge: string; ok: boolean; detail?: string}
  | {type: 'tls-renewed'; notAfter: string}
  | {type: 'error'; message: string; stack?: string}

export interface ValidationPorts {
  /** Where http-01 responses are fetched on loopback (RFC 8555 says 80). */
  httpPort: number
  /** Where tls-alpn-01 handshakes go on loopback (RFC 8737 says 443). */
  tlsPort: number
}

/** What every handler shares: state, the CA, and the server's settings. */
export interface AcmeContext {
  home: string
  store: AcmeStore
  nonces: NonceStore
  limits: RateLimiter
  ca: CaView
  eabRequired: boolean
  /** The EAB credentials; loaded when EAB is required (or whenever `eab.json` exists). */
  eab?: EabCredentials
  /** Real http-01 / tls-alpn-01 validation against loopback instead of pre-authorized names. */
  validate?: ValidationPorts
  emit: (event: AcmeEvent) => void
  /** Challenge validations running now, by `order/authz/type`: a second POST waits for the first instead of starting another. */
  validations: Map<string, Promise<void>>
  /** Each account key's DER SubjectPublicKeyInfo (finalize refuses a CSR for the account key), computed once per key. */
  accountSpki: WeakMap<JWK, Buffer>
}

/** One verified request: who signed it, what they sent, and the URLs of the origin they used. */
export interface SignedRequest {
  url: string
  urls: Urls
  origin: string
  header: ProtectedHeader
  /** undefined for POST-as-GET (empty payload). */
  payload: Record<string, unknown> | undefined
  /** The signing key when the request carried `jwk` (newAccount, revokeCert by certificate key). */
  jwk?: JWK
  /** The signing account when the request carried `kid`. */
  account?: Account
}

/** What a handler answers; the HTTP face adds Replay-Nonce, Link rel="index" and the content type. */
export interface Reply {
  status: number
  /** JSON value, or a string for PEM / empty bodies. */
  body?: unknown
  contentType?: string
  location?: string
  /** Extra Link header values, e.g. `<url>;rel="up"`. */
  links?: string[]
  headers?: Record<string, string>
}
