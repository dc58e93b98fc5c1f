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
export {startAcmeServer, DEFAULT_ACME_PORT, type AcmeServer, type AcmeServerOptions} from './acme/server.js'
export type {AcmeEvent} from './acme/context.js'
