/**
 * Every ACME error this server can send, in one place (RFC 8555 §6.7, RFC 9773 §5, draft-ietf-acme-profiles).
 * Handlers throw an `AcmeProblem`; the HTTP face turns it into an RFC 7807 `application/problem+json` document.
 */

/** The registered `urn:ietf:params:acme:error:*` names we use, with the HTTP status each one is sent with. */
export const PROBLEM_STATUS = {
  accountDoesNotExist: 400,
  alreadyReplaced: 409,
  alreadyRevoked: 400,
  badCSR: 400,
  badNonce: 400,
  badPublicKey: 400,
  badRevocationReason: 400,
  badSignatureAlgorithm: 400,
  compound: 400,
  connection: 400,
  dns: 400,
  externalAccountRequired: 400,
  incorrectResponse: 400,
  invalidContact: 400,
  invalidProfile: 400,
  malformed: 400,
  orderNotReady: 403,
  rateLimited: 429,
  rejectedIdentifier: 400,
  serverInternal: 500,
  tls: 400,
  unauthorized: 403,
  unsupportedContact: 400,
  unsupportedIdentifier: 400,
} as const

export type ProblemType = keyof typeof PROBLEM_STATUS

export const PROBLEM_PREFIX = 'urn:ietf:params:acme:error:'

export interface Identifier {
  type: 'dns' | 'ip'
  value: string
}

/** The JSON body of a problem document. `identifier` appears only inside subproblems (RFC 8555 §6.7.1). */
export interface ProblemDocument {
  type: string
  detail: string
  status: number
  subproblems?: Array<{type: string; detail: string; identifier: Identifier}>
  /** badSignatureAlgorithm lists what we accept (RFC 8555 §6.2). */
  algorithms?: string[]
}

export interface ProblemExtras {
  /** Overrides the default status (401 for a deactivated account, 405, 409, 413, 415, 421…). */
  status?: number
  subproblems?: Array<{type: ProblemType; detail: string; identifier: Identifier}>
  algorithms?: string[]
  /** Extra response headers (Allow, Retry-After, Location…). */
  headers?: Record<string, string>
}

/**
 * An ACME error a handler throws; the front end sends it as a problem document with a fresh nonce.
 * @example throw new AcmeProblem('badNonce', 'the nonce was already used; retry with the Replay-Nonce of this response')
 */
export class AcmeProblem extends Error {
  readonly type: ProblemType
  readonly status: number
  readonly extras: ProblemExtras

  constructor(type: ProblemType, detail: string, extras: ProblemExtras = {}) {
    super(detail)
    this.name = 'AcmeProblem'
    this.type = type
    this.status = extras.status ?? PROBLEM_STATUS[type]
    this.extras = extras
  }

  toDocument(): ProblemDocument {
    const document: ProblemDocument = {type: PROBLEM_PREFIX + this.type, detail: this.message, status: this.status}
    if (this.extras.subproblems?.length) {
      document.subproblems = this.extras.subproblems.map((sub) => ({type: PROBLEM_PREFIX + sub.type, detail: sub.detail, identifier: sub.identifier}))
    }
    if (this.extras.algorithms) document.algorithms = this.extras.algorithms
    return document
  }
}

/** One identifier's failure inside a `newOrder` problem. */
export interface Subproblem {
  type: ProblemType
  detail: string
  identifier: Identifier
}

/** Several identifier failures as one problem: their common type, else `compound` (RFC 8555 §6.7.1). */
export function identifierProblem(subproblems: Subproblem[]): AcmeProblem {
  const types = new Set(subproblems.map((sub) => sub.type))
  const type: ProblemType = types.size === 1 ? subproblems[0]!.type : 'compound'
  const detail = subproblems.length === 1 ? subproblems[0]!.detail : `${subproblems.length} identifiers were refused: ${subproblems.map((sub) => sub.detail).join('; ')}`
  return new AcmeProblem(type, detail, {subproblems})
}

export function isAcmeProblem(error: unknown): error is AcmeProblem {
  return error instanceof AcmeProblem
}
