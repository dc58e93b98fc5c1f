import type {JWK} from 'jose'
import type {Identifier, ProblemDocument} from '../problems.js'

/** The ACME objects as we store them (RFC 8555 §7.1); URLs are built per request from the Host the client used. */

export type AccountStatus = 'valid' | 'deactivated'

export interface Account {
  id: string
  /** The account's public key (RFC 7517), exactly as the client sent it. */
  jwk: JWK
  /** RFC 7638 SHA-256 thumbprint of `jwk`: the key's identity. */
  thumbprint: string
  status: AccountStatus
  contact: string[]
  createdAt: string
  /** The verified binding, reflected back to the client (RFC 8555 §7.3.4). */
  externalAccountBinding?: {protected: string; payload: string; signature: string}
  eabKid?: string
}

/** dns-01 appears only pre-validated, on wildcard authorizations; --validate mode never offers it. */
export type ChallengeType = 'http-01' | 'tls-alpn-01' | 'dns-01'
export type ChallengeStatus = 'pending' | 'processing' | 'valid' | 'invalid'

export interface Challenge {
  type: ChallengeType
  token: string
  status: ChallengeStatus
  validated?: string
  error?: ProblemDocument
}

export type AuthzStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked'

/**
 * An identifier as we judge and issue it (an IP is always type `ip`). `sent` is what the client wrote when that
 * differs — an IP sent as a dns identifier, as lego 4.9 and acme-client's auto() do — and is what we echo back.
 */
export interface OrderIdentifier extends Identifier {
  sent?: Identifier
}

export interface Authorization {
  /** For a wildcard, the name without `*.` and `wildcard: true` (RFC 8555 §7.1.4). */
  identifier: OrderIdentifier
  wildcard?: boolean
  status: AuthzStatus
  challenges: Challenge[]
}

/** Stored order states; `pending`/`ready` are computed from the authorizations on every read. */
export type OrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid'

export interface Order {
  id: string
  accountId: string
  /** What was stored; read it through `orderStatus()` to get the live value. */
  status: OrderStatus
  expires: string
  identifiers: OrderIdentifier[]
  profile: string
  authorizations: Authorization[]
  createdAt: string
  certificateId?: string
  error?: ProblemDocument
  /** RFC 9773 §5: the ARI certificate ID this order replaces. */
  replaces?: string
}

export interface Revocation {
  at: string
  reason: number
}

/** An issued certificate: metadata in memory and the journal, the PEM chain in `certs/<id>.pem`. */
export interface CertificateRecord {
  id: string
  accountId: string
  orderId: string
  serial: string
  /** RFC 9773 certificate identifier: base64url(AKI keyIdentifier) "." base64url(serial bytes). */
  ariId: string
  names: string[]
  profile: string
  notBefore: string
  notAfter: string
  /** SHA-256 of the issuing intermediate and of the root, so a rotation shows up in ARI. */
  intermediateFingerprint: string
  rootFingerprint: string
  /** SHA-256 (hex) of the leaf's DER, to recognise it in revokeCert. */
  fingerprint: string
  revoked?: Revocation
  /** The order that replaced this certificate (RFC 9773 §5). */
  replacedBy?: string
}
