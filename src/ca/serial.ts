import {randomBytes} from 'node:crypto'

/** A random 128-bit serial in hex (the encoder adds a leading zero byte when the top bit is set). */
export function randomSerial(): string {
  const bytes = randomBytes(16)
  if (bytes[0] === 0) bytes[0] = 1
  return bytes.toString('hex')
}
