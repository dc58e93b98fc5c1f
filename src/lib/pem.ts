/** PEM (RFC 7468): the one encoder and the one parser every module uses. */

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g

/**
 * DER bytes as a PEM block with 64-column base64 and a trailing newline.
 * @example toPem(der) // '-----BEGIN CERTIFICATE-----\nMIIB…\n-----END CERTIFICATE-----\n'
 */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const base64 = Buffer.from(der).toString('base64')
  return `-----BEGIN ${label}-----\n${base64.match(/.{1,64}/g)?.join('\n') ?? ''}\n-----END ${label}-----\n`
}

/**
 * Every certificate block in a text (bundles, chains, `keytool -rfc` or `security find-certificate -p` output), in order.
 * @example pemBlocks(chainPem).length // 2: leaf and intermediate
 */
export function pemBlocks(text: string): string[] {
  return text.match(CERTIFICATE_BLOCK) ?? []
}

/**
 * The DER of one PEM block (its base64 body, whatever the line length).
 * @example pemToDer(pemBlocks(chainPem)[0]!)
 */
export function pemToDer(block: string): Buffer {
  return Buffer.from(block.replace(/-----(BEGIN|END) [^-]+-----|\s/g, ''), 'base64')
}
