import {open, readFile, stat} from 'node:fs/promises'
import {writeError, writeFileSafely} from './files.js'
import {withLock} from './lock.js'

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
  /** Set by readInventory from a revocation line (an ACME client's revokeCert). */
  revoked?: Revocation
}

export interface Revocation {
  at: string
  /** RFC 5280 §5.3.1 reason code. */
  reason: number
}

/** A line that marks an earlier entry revoked; entries themselves are never rewritten in place. */
interface RevocationLine {
  revokedSerial: string
  at: string
  reason: number
}

/** Entries that expired longer ago than this are dropped when the file is pruned. */
export const PRUNE_AFTER_MS = 30 * 24 * 3600 * 1000
/** An append prunes each time the file grows past another multiple of this size (about 3,000 entries): rare, so cheap. */
export const PRUNE_AT_BYTES = 1024 * 1024

/**
 * Appends one line. A single O_APPEND write of a short line is atomic on local file systems, so racing
 * processes never interleave; a process killed mid-write leaves at most one torn last line, which
 * `readInventory` skips. Each PRUNE_AT_BYTES of growth, it prunes the file (see pruneInventory).
 */
export async function recordIssued(file: string, entry: InventoryEntry): Promise<void> {
  const line = JSON.stringify(entry)
  const size = await appendLine(file, line)
  // once per MiB of growth, not on every append of a big file full of live entries
  if (Math.floor(size / PRUNE_AT_BYTES) > Math.floor((size - Buffer.byteLength(line) - 1) / PRUNE_AT_BYTES)) await pruneInventory(file)
}

/** Records that an issued certificate was revoked (by serial), for `localcert list`. */
export async function recordRevoked(file: string, serial: string, revocation: Revocation): Promise<void> {
  const line: RevocationLine = {revokedSerial: serial, at: revocation.at, reason: revocation.reason}
  await appendLine(file, JSON.stringify(line))
}

/**
 * Appends `line` and returns the file's size. When a prune replaced the file while we wrote (our fd's inode is no
 * longer the path's), the line is written again to the new file: a line is never lost, at worst read twice.
 */
async function appendLine(file: string, line: string): Promise<number> {
  for (;;) {
    const handle = await open(file, 'a', 0o600).catch((error: unknown) => {
      throw writeError(file, error)
    })
    try {
      await handle.write(line + '\n').catch((error: unknown) => {
        throw writeError(file, error)
      })
      const [ours, current] = await Promise.all([handle.stat(), stat(file).catch(() => undefined)])
      if (current && current.ino === ours.ino) return ours.size
    } finally {
      await handle.close()
    }
  }
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
  const revocations = new Map<string, Revocation>()
  const seen = new Set<string>()
  for (const line of text.split('\n')) {
    // a line written twice (see appendLine) counts once
    if (!line.trim() || seen.has(line)) continue
    seen.add(line)
    try {
      const parsed = JSON.parse(line) as InventoryEntry | RevocationLine
      if ('revokedSerial' in parsed) revocations.set(parsed.revokedSerial, {at: parsed.at, reason: parsed.reason})
      else entries.push(parsed)
    } catch {
      // a torn line from a killed writer: skip it, keep the rest
    }
  }
  return entries.map((entry) => (revocations.has(entry.serial) ? {...entry, revoked: revocations.get(entry.serial)!} : entry))
}

/**
 * The entries `list` shows: for each file (cert, key or PKCS#12 path) only the newest entry, since issuing again to the
 * same path replaced the older certificate; entries without a file (ACME, the Node API) each stand alone.
 * @example currentEntries(await readInventory(file)).filter((entry) => !entry.revoked)
 */
export function currentEntries(entries: readonly InventoryEntry[]): InventoryEntry[] {
  const newest = new Map<string, InventoryEntry>()
  const kept: InventoryEntry[] = []
  for (const entry of entries) {
    const where = entry.certFile ?? entry.p12File
    if (!where) kept.push(entry)
    else if (!newest.has(where) || Date.parse(newest.get(where)!.issuedAt) <= Date.parse(entry.issuedAt)) newest.set(where, entry)
  }
  return [...kept, ...newest.values()].sort((a, b) => Date.parse(a.issuedAt) - Date.parse(b.issuedAt))
}

/**
 * Drops the entries that expired more than 30 days before `now` (and their revocation lines), atomically (temp file +
 * rename) under a lock on the file, so concurrent pruners do not race. Lines appended meanwhile to the old file are
 * carried over (and appendLine rewrites its own line if it lost the race), so none is lost. Returns how many lines went.
 * @example const removed = await pruneInventory(caPaths(home).inventory)
 */
export async function pruneInventory(file: string, now = Date.now()): Promise<number> {
  if (!(await stat(file).catch(() => undefined))) return 0
  return withLock(file, async () => {
    const handle = await open(file, 'r')
    try {
      const text = (await handle.readFile('utf8')) as string
      const read = Buffer.byteLength(text)
      const {kept, removed} = prunedLines(text, now)
      if (removed === 0) return 0
      await writeFileSafely(file, kept.join(''), 0o600)
      // appends that reached the old file after we read it: carry them over
      const size = (await handle.stat()).size
      if (size > read) {
        const tail = Buffer.alloc(size - read)
        await handle.read(tail, 0, tail.length, read)
        await appendLine(file, tail.toString('utf8').replace(/\n$/, ''))
      }
      return removed
    } finally {
      await handle.close()
    }
  })
}

/** The lines to keep (each with its newline): entries that expired less than 30 days before `now` and their revocations. */
function prunedLines(text: string, now: number): {kept: string[]; removed: number} {
  const parsed = text.split('\n').flatMap((line) => {
    const value = parse(line)
    return value ? [{line, value}] : []
  })
  const live = parsed.filter(({value}) => 'serial' in value && Date.parse(value.notAfter) >= now - PRUNE_AFTER_MS)
  const liveValues = new Set(live.map(({value}) => value))
  const serials = new Set(live.map(({value}) => (value as InventoryEntry).serial))
  // a revocation line goes with its entry
  const kept = parsed.filter(({value}) => ('serial' in value ? liveValues.has(value) : serials.has(value.revokedSerial)))
  return {kept: kept.map(({line}) => line + '\n'), removed: parsed.length - kept.length}
}

function parse(line: string): InventoryEntry | RevocationLine | undefined {
  if (!line.trim()) return undefined
  try {
    return JSON.parse(line) as InventoryEntry | RevocationLine
  } catch {
    return undefined
  }
}
