import {X509Certificate} from 'node:crypto'
import {readFile, stat} from 'node:fs/promises'
import {pemBlocks} from '../lib/pem.js'
import {sha256Hex} from '../lib/hash.js'
import {readInventory, type InventoryEntry} from '../state/inventory.js'
import {writeFileSafely} from '../state/files.js'
import {caPaths} from '../state/paths.js'
import {issueCertificate} from './issue.js'
import {parseKeyType} from './keys.js'

const DAY = 86_400_000
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'

/** One certificate file `localcert cert` wrote, and what `rotate --root --reissue` did with it. */
export interface ReissueReport {
  file: string
  names: string[]
  status: 'reissued' | 'skipped'
  message?: string
  /** The new leaf's serial. */
  serial?: string
}

/** The newest inventory entry per file written by `localcert cert`, for leaves that have not expired. */
function liveFiles(entries: InventoryEntry[], now: number): InventoryEntry[] {
  const byFile = new Map<string, InventoryEntry>()
  for (const entry of entries) {
    const file = entry.certFile ?? entry.p12File
    if (entry.source !== 'cli' || !file) continue
    const seen = byFile.get(file)
    if (!seen || seen.issuedAt <= entry.issuedAt) byFile.set(file, entry)
  }
  return [...byFile.values()].filter((entry) => Date.parse(entry.notAfter) > now)
}

const modeOf = (file: string, fallback: number) => stat(file).then((info) => info.mode & 0o777, () => fallback)

async function reissueOne(home: string, entry: InventoryEntry): Promise<ReissueReport> {
  const file = entry.certFile ?? entry.p12File!
  const skip = (message: string): ReissueReport => ({file, names: entry.names, status: 'skipped', message})
  if (!entry.certFile) return skip(`a PKCS#12 file needs its password: run \`localcert cert --p12-file ${file} ${entry.names.join(' ')}\` again`)
  const first = pemBlocks(await readFile(entry.certFile, 'utf8').catch(() => ''))[0]
  if (!first) return skip('the file is gone or holds no certificate')
  const leaf = new X509Certificate(first)
  // replaced by something else since (another tool, another CA): not ours to overwrite
  if (sha256Hex(leaf.raw) !== entry.fingerprint) return skip('the file no longer holds the certificate localcert wrote there')
  if (!entry.keyFile) return skip(`its key was not written by localcert: issue from a CSR again with \`localcert cert --csr …\``)
  const days = Math.max(1, Math.round((Date.parse(entry.notAfter) - Date.parse(entry.notBefore)) / DAY))
  const issued = await issueCertificate(entry.names, {home, days, keyType: parseKeyType(entry.keyType), client: leaf.keyUsage?.includes(CLIENT_AUTH) ?? false, source: 'cli', files: {certFile: entry.certFile, keyFile: entry.keyFile}})
  await writeFileSafely(entry.keyFile, issued.keyPem!, await modeOf(entry.keyFile, 0o600))
  await writeFileSafely(entry.certFile, issued.chainPem, await modeOf(entry.certFile, 0o644))
  return {file, names: entry.names, status: 'reissued', serial: issued.serial}
}

/**
 * `rotate --root --reissue`: re-signs, from the current CA, every live certificate `localcert cert` wrote to PEM
 * files, in place (same names, key type, lifetime, file modes; a new key), each file written atomically.
 * @example const rows = await reissueLiveLeaves(home)
 */
export async function reissueLiveLeaves(home: string, now = Date.now()): Promise<ReissueReport[]> {
  const reports: ReissueReport[] = []
  for (const entry of liveFiles(await readInventory(caPaths(home).inventory), now)) reports.push(await reissueOne(home, entry))
  return reports
}
