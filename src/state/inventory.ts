import {appendFile, readFile} from 'node:fs/promises'
import {writeError} from './files.js'

/** One issued leaf as `localcert list` shows it. */
export interface InventoryEntry {
  serial: string
  names: string[]
  fingerprint: string
  notBefore: string
  notAfter: string
  issuedAt: string
  source: 'cli' | 'api' | 'acme'
  keyType: string
  certFile?: string
  keyFile?: string
  p12File?: string
}

/**
 * Appends one line. A single O_APPEND write of a short line is atomic on local file systems, so racing
 * processes never interleave; a process killed mid-write leaves at most one torn last line, which
 * `readInventory` skips.
 */
export async function recordIssued(file: string, entry: InventoryEntry): Promise<void> {
  await appendFile(file, JSON.stringify(entry) + '\n', {mode: 0o600, flag: 'a'}).catch((error: unknown) => {
    throw writeError(file, error)
  })
}

export async function readInventory(file: string): Promise<InventoryEntry[]> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const entries: InventoryEntry[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    try {
      entries.push(JSON.parse(line) as InventoryEntry)
    } catch {
      // a torn line from a killed writer: skip it, keep the rest
    }
  }
  return entries
}
