import {connect} from 'node:tls'
import {sha256Hex} from '../lib/hash.js'
import {readEndpoint} from '../state/discovery.js'

/** How long `rotate --root` waits for a running `localcert serve` to pick up the new chain (it looks every 2 s). */
const ENDPOINT_WAIT_MS = 30_000

export interface EndpointCheck {
  port: number
  /** The endpoint serves a certificate signed by the CA's current intermediate. */
  moved: boolean
}

/** SHA-256 of the certificate that signed the one the endpoint presents (undefined when it cannot be reached). */
function servedIssuer(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    // only the chain is read, never trusted: nothing is sent
    const socket = connect({host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false}, () => {
      const issuer = socket.getPeerCertificate(true).issuerCertificate
      socket.destroy()
      resolve(issuer?.raw ? sha256Hex(issuer.raw) : undefined)
    })
    socket.setTimeout(2_000, () => socket.destroy())
    socket.on('error', () => resolve(undefined))
    socket.on('close', () => resolve(undefined))
  })
}

/**
 * Waits until the running ACME endpoint (if any) serves a certificate from `intermediateFingerprint`; undefined
 * when no endpoint runs.
 * @example const endpoint = await endpointMoved(home, ca.meta.intermediate.fingerprint)
 */
export async function endpointMoved(home: string, intermediateFingerprint: string, signal?: AbortSignal): Promise<EndpointCheck | undefined> {
  const endpoint = await readEndpoint(home)
  if (!endpoint) return undefined
  const deadline = Date.now() + ENDPOINT_WAIT_MS
  for (;;) {
    if ((await servedIssuer(endpoint.port)) === intermediateFingerprint) return {port: endpoint.port, moved: true}
    if (Date.now() > deadline || signal?.aborted) return {port: endpoint.port, moved: false}
    await new Promise((resolve) => setTimeout(resolve, 250))
  }
}
