/** Stable error codes: callers branch on these, never on message text. */
export type ErrorCode =
  | 'NAME_NOT_ALLOWED'
  | 'INVALID_NAME'
  | 'DOMAIN_TOO_BROAD'
  | 'INVALID_IP'
  | 'INVALID_EMAIL'
  | 'INVALID_URI'
  | 'NO_NAMES'
  | 'INVALID_DAYS'
  | 'INVALID_KEY_TYPE'
  | 'INVALID_CSR'
  | 'INVALID_ROOT'
  | 'INVALID_ARGUMENT'
  | 'CA_NOT_FOUND'
  | 'CA_CORRUPT'
  | 'CA_KEY_LOCKED'
  | 'HOME_UNUSABLE'
  | 'LOCK_TIMEOUT'
  | 'WRITE_FAILED'
  | 'COMMAND_FAILED'
  | 'TOOL_MISSING'
  | 'NEEDS_ROOT'
  | 'NOT_SUPPORTED'
  | 'PORT_IN_USE'
  | 'ADDRESS_UNAVAILABLE'
  | 'PERMISSION_DENIED'
  | 'DISK_FULL'
  | 'ACME_ALREADY_RUNNING'
  | 'ENDPOINT_RUNNING'
  | 'TRUSTED_ELSEWHERE'
  | 'NEEDS_CONFIRMATION'
  | 'VERIFICATION_FAILED'
  | 'HOSTS_BLOCK_EDITED'
  | 'INVALID_PREFERENCE'
  | 'INTERRUPTED'

/** Marks our errors across copies of the package (its ESM and CommonJS builds can both be loaded in one process). */
const BRAND = Symbol.for('localcert.error')

/**
 * Every failure the core reports. `hint` is the next step for the user, in one sentence: every error has one.
 * @example throw new LocalcertError('NAME_NOT_ALLOWED', 'example.com is outside …', 'run …')
 */
export class LocalcertError extends Error {
  readonly [BRAND] = true
  readonly code: ErrorCode
  readonly hint: string

  constructor(code: ErrorCode, message: string, hint: string, options?: {cause?: unknown}) {
    super(message, options)
    this.name = 'LocalcertError'
    this.code = code
    this.hint = hint
  }
}

/**
 * True for an error thrown by localcert, whichever of its builds (ESM or CommonJS) threw it.
 * @example catch (error) { if (isLocalcertError(error) && error.code === 'NAME_NOT_ALLOWED') … }
 */
export function isLocalcertError(error: unknown): error is LocalcertError {
  return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[BRAND] === true
}
