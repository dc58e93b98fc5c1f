import {appendAudit} from '../state/audit.js'
import {caPaths} from '../state/paths.js'
import type {TrustRoot} from './root.js'

/** The part of a StoreReport (everywhere.ts, which calls this) the log needs. */
interface ChangedPlace {
  store: string
  location: string
  status: string
}

/**
 * Appends one audit line for the places whose trust in `root` just changed (rows `installed` or `removed`); nothing
 * when none did (already present, a dry run, every place failed).
 * @example await auditTrustChange(home, 'trust-installed', root, rows)
 */
export async function auditTrustChange(localcertHome: string, event: 'trust-installed' | 'trust-removed', root: TrustRoot, rows: readonly ChangedPlace[]): Promise<void> {
  const changed = rows.filter((row) => row.status === (event === 'trust-installed' ? 'installed' : 'removed'))
  if (changed.length === 0) return
  await appendAudit(caPaths(localcertHome).audit, {event, via: 'cli', root: root.fingerprint, stores: changed.map((row) => ({store: row.store, location: row.location}))})
}
