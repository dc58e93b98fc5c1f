/**
 * localcert's public Node API: what a dev server or a script needs, nothing internal.
 * @example
 * import {issueCertificate} from 'localcert'
 * const {chainPem, keyPem} = await issueCertificate(['app.localhost'])
 * https.createServer({cert: chainPem, key: keyPem}, handler).listen(8443)
 */
export {issueCertificate, type IssueOptions, type IssueResult} from './ca/issue.js'
export {renewalAt, renewalDue} from './ca/lifetime.js'
export {MAX_LEAF_DAYS, DEFAULT_LEAF_DAYS} from './ca/leaf.js'
export {DEFAULT_ACME_PORT} from './state/discovery.js'
export {LocalcertError, isLocalcertError, type ErrorCode} from './errors.js'
export {httpsOptions, autoRenew, DEV_DEFAULT_NAMES, DEV_DEFAULT_DAYS, type HttpsOptions, type DevCertOptions, type AutoRenewHandle} from './api/dev-server.js'
import type {AcmeServer, AcmeServerOptions} from './acme/server.js'
export type {AcmeServer, AcmeServerOptions}
export type {AcmeEvent} from './acme/context.js'

/**
 * Runs the ACME endpoint in this process (what `localcert serve` runs). Loaded on first call, so a dev server that
 * only wants `httpsOptions` does not pay for the ACME stack at import.
 * @example const server = await startAcmeServer({port: 0}); console.log(server.url); await server.close()
 */
export async function startAcmeServer(options?: AcmeServerOptions): Promise<AcmeServer> {
  const {startAcmeServer: start} = await import('./acme/server.js')
  return start(options)
}
