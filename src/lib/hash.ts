import {createHash} from 'node:crypto'

/**
 * Lower-case hex SHA-256: how certificates are identified everywhere (fingerprints, cache keys).
 * @example sha256Hex(der) // '3f9a0c…' (64 hex digits)
 */
export function sha256Hex(data: Uint8Array | ArrayBuffer | string): string {
  return createHash('sha256').update(typeof data === 'string' ? data : new Uint8Array(data as ArrayBuffer)).digest('hex')
}
