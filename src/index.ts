/**
 * localcert's public Node API.
 * @example
 * import {issueCertificate} from 'localcert'
 * const {chainPem, keyPem} = await issueCertificate(['app.localhost'])
 * https.createServer({cert: chainPem, key: keyPem}, handler).listen(8443)
 */
export {issueCertificate, clearAuthorityCache, type IssueOptions, type IssueResult} from './api/issue.js'
export {openAuthority, loadAuthority, rotateIntermediate, ROOT_ORGANIZATION, type Authority, type CaMeta, type CreateOptions} from './ca/authority.js'
export {issueLeaf, signCsr, parseCsr, MAX_LEAF_DAYS, DEFAULT_LEAF_DAYS, type IssuedLeaf, type LeafOptions} from './ca/leaf.js'
export {parseName, parseNames, type SubjectName} from './ca/names.js'
export {defaultPolicy, isAllowed, describePolicy, DEFAULT_DOMAINS, DEFAULT_IP_RANGES, type NamePolicy} from './ca/policy.js'
export {buildPkcs12, DEFAULT_P12_PASSWORD} from './ca/pkcs12.js'
export {readInventory, type InventoryEntry} from './state/inventory.js'
export {resolveHome, caPaths, HOME_ENV} from './state/paths.js'
export {LocalcertError, isLocalcertError, type ErrorCode} from './errors.js'
export {httpsOptions, autoRenew, renewalDue, DEV_DEFAULT_NAMES, DEV_DEFAULT_DAYS, type HttpsOptions, type DevCertOptions, type AutoRenewHandle} from './api/dev-server.js'
import type {AcmeServer, AcmeServerOptions} from './acme/server.js'
export type {AcmeServer, AcmeServerOptions}
export {DEFAULT_ACME_PORT} from './acme/discovery.js'
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
