import {webcrypto} from 'node:crypto'

type X509 = typeof import('@peculiar/x509')
let loaded: Promise<X509> | undefined

/**
 * @peculiar/x509 costs ~190 ms to import, so every caller goes through this lazy loader;
 * commands that never touch a certificate (`--help`, `--version`) never pay for it.
 */
export function loadX509(): Promise<X509> {
  loaded ??= (async () => {
    await import('reflect-metadata')
    const x509 = await import('@peculiar/x509')
    x509.cryptoProvider.set(webcrypto as unknown as Crypto)
    return x509
  })()
  return loaded
}

export const crypto = webcrypto as unknown as Crypto
