import {X509Certificate} from 'node:crypto'
import {get} from 'node:https'
import {checkServerIdentity, type PeerCertificate, type TLSSocket} from 'node:tls'
import {renewalDue} from '../ca/lifetime.js'
import {toPem} from '../lib/pem.js'
import {serviceStatus} from '../service/manager.js'
import {readEndpoint, type EndpointInfo} from '../state/discovery.js'
import type {TrustRoot} from '../trust/root.js'
import {fail, ok, warn, when, type Check} from './check.js'

const PROBE_TIMEOUT_MS = 3_000

interface Probe {
  status?: number
  /** OpenSSL's verdict against our root alone (CERT_HAS_EXPIRED, UNABLE_TO_GET_ISSUER_CERT_LOCALLY…), or undefined. */
  chainError?: string
  nameError?: string
  leaf?: X509Certificate
  /** The connection itself failed (ECONNREFUSED, a timeout). */
  error?: string
}

/** GETs the directory over HTTPS trusting only `root`, keeping the verdict instead of failing on it. */
function probe(url: string, root: TrustRoot): Promise<Probe> {
  return new Promise((resolve) => {
    const request = get(url, {ca: [root.pem], rejectUnauthorized: false, timeout: PROBE_TIMEOUT_MS, agent: false}, (response) => {
      const socket = response.socket as TLSSocket
      const peer = socket.getPeerCertificate() as PeerCertificate
      const host = new URL(url).hostname.replace(/^\[|\]$/g, '')
      const nameError = peer.raw ? checkServerIdentity(host, peer)?.message : 'no certificate'
      const chainError = socket.authorized ? undefined : String(socket.authorizationError)
      response.resume()
      resolve({status: response.statusCode, chainError, nameError, ...(peer.raw ? {leaf: new X509Certificate(toPem(peer.raw))} : {})})
    })
    request.on('timeout', () => request.destroy(new Error(`no answer in ${PROBE_TIMEOUT_MS / 1000} s`)))
    request.on('error', (error: NodeJS.ErrnoException) => resolve({error: error.code ?? error.message}))
  })
}

function endpointCheck(endpoint: EndpointInfo, result: Probe, now: number): Check {
  const id = 'acme.endpoint'
  const restart = `kill ${endpoint.pid} && localcert serve`
  const at = `${endpoint.directoryUrl} (pid ${endpoint.pid})`
  if (result.error) return fail(id, `announced at ${at} but not reachable: ${result.error}`, restart)
  if (result.chainError === 'CERT_HAS_EXPIRED') return fail(id, `running at ${at}, but its own certificate expired ${when(new Date(result.leaf!.validTo).toISOString(), now)}`, restart)
  if (result.chainError) return fail(id, `running at ${at}, but its certificate does not chain to the current root (${result.chainError})`, restart)
  if (result.nameError) return fail(id, `running at ${at}, but its certificate does not cover its own name: ${result.nameError}`, restart)
  if (result.status !== 200) return fail(id, `running at ${at}, but the directory answered HTTP ${result.status}`, restart)
  const leaf = result.leaf!
  const notAfter = new Date(leaf.validTo).toISOString()
  if (renewalDue(leaf.validFrom, leaf.validTo, now)) return warn(id, `running at ${at}; its own certificate is due for renewal (ends ${when(notAfter, now)}) and was not renewed`, restart)
  return ok(id, `running at ${at}; its certificate chains to the current root, valid until ${when(notAfter, now)}`)
}

/**
 * The ACME endpoint (running? reachable? its own certificate fresh and chaining to the current root?) and the login
 * service that starts it.
 * @example const checks = await endpointChecks(home, root)
 */
export async function endpointChecks(home: string, root: TrustRoot, now = Date.now()): Promise<Check[]> {
  const endpoint = await readEndpoint(home)
  const checks = [endpoint ? endpointCheck(endpoint, await probe(endpoint.directoryUrl, root), now) : warn('acme.endpoint', 'not running: ACME clients (certbot, lego, Caddy…) cannot get certificates', 'localcert serve')]
  checks.push(await serviceCheck(home))
  return checks
}

async function serviceCheck(home: string): Promise<Check> {
  const id = 'acme.service'
  try {
    const status = await serviceStatus({home})
    if (status.summary === 'running') return ok(id, `the login service runs the endpoint (${status.manager})`, status.file)
    if (status.summary === 'installed') {
      const why = status.running === undefined ? `, but ${status.manager} cannot be asked whether it runs${status.detail ? ` (${status.detail})` : ''}` : ', but not running'
      return warn(id, `the login service is installed${why}`, 'localcert service install', status.file)
    }
    return ok(id, 'no login service: the endpoint runs only while `localcert serve` does')
  } catch (error) {
    return warn(id, `the login service cannot be checked: ${(error as Error).message}`, (error as {hint?: string}).hint)
  }
}
