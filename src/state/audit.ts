import {open, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {sha256Hex} from '../lib/hash.js'
import {ensurePrivateDir, readJson, writeError, writeFileSafely} from './files.js'
import {withLock} from './lock.js'

// The audit log: one hash-chained JSON line per change to what this CA signs or where it is trusted. Never a secret.

export type AuditEventName =
  | 'ca-created'
  | 'issued'
  | 'revoked'
  | 'intermediate-renewed'
  | 'intermediate-rotated'
  | 'root-staged'
  | 'root-switched'
  | 'root-rotation-finished'
  | 'trust-installed'
  | 'trust-removed'

/** What a caller records; time, seq, prev and hash are added by appendAudit. */
export interface AuditRecord {
  event: AuditEventName
  /** Through what: the CLI, the Node API, or the ACME endpoint. */
  via: 'cli' | 'api' | 'acme'
  names?: string[]
  serial?: string
  /** What a certificate is for when it is not a user's: the endpoint's own HTTPS certificate, doctor's browser check. */
  purpose?: 'endpoint-tls' | 'browser-check'
  /** The ACME account (its URL) behind an ACME issuance or revocation. */
  account?: string
  /** SHA-256 fingerprints: the root and intermediate concerned. */
  root?: string
  intermediate?: string
  /** The fingerprint this event replaced (the previous intermediate or root). */
  previous?: string
  /** RFC 5280 revocation reason. */
  reason?: number
  /** Trust changes: the places that changed. */
  stores?: Array<{store: string; location: string}>
}

export interface AuditLine extends AuditRecord {
  seq: number
  time: string
  /** The previous line's hash (GENESIS for the first). */
  prev: string
  /** SHA-256 (hex) of the canonical line without `hash`. */
  hash: string
}

/** What the first line's `prev` holds. */
export const GENESIS = '0'.repeat(64)

/** The last line written, kept beside the log so cutting lines off its end is seen. */
interface AuditHead {
  seq: number
  hash: string
}

export function headFile(file: string): string {
  return `${file}.head`
}

/** JSON with object keys sorted at every level: the bytes the hash covers do not depend on key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, item]) => item !== undefined)
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, item]) => `${JSON.stringify(key)}:${canonical(item)}`).join(',')}}`
  }
  return JSON.stringify(value)
}

/** The hash a line must carry: over everything but `hash` itself. */
export function lineHash(line: Omit<AuditLine, 'hash'> & {hash?: string}): string {
  const {hash: _ignored, ...rest} = line
  return sha256Hex(canonical(rest))
}

interface Pending {
  record: AuditRecord
  time: string
  resolve: () => void
  reject: (error: unknown) => void
}

/** Per log file: records waiting for the next flush, and whether one runs (appends batch under one lock). */
const queues = new Map<string, {pending: Pending[]; flushing: boolean}>()

/**
 * Appends one event to the audit log `file`, chained to the line before it. Appends of one process are batched under
 * one lock of the file (the ACME server issues many certificates a second); resolves once the line is on disk.
 * @example await appendAudit(caPaths(home).audit, {event: 'issued', via: 'cli', names: ['app.localhost'], serial})
 */
export function appendAudit(file: string, record: AuditRecord): Promise<void> {
  let queue = queues.get(file)
  if (!queue) queues.set(file, (queue = {pending: [], flushing: false}))
  const done = new Promise<void>((resolve, reject) => queue.pending.push({record, time: new Date().toISOString(), resolve, reject}))
  if (!queue.flushing) void flush(file, queue)
  return done
}

async function flush(file: string, queue: {pending: Pending[]; flushing: boolean}): Promise<void> {
  queue.flushing = true
  try {
    while (queue.pending.length) {
      const batch = queue.pending.splice(0)
      try {
        await ensurePrivateDir(path.dirname(file))
        await withLock(file, () => writeBatch(file, batch))
        for (const item of batch) item.resolve()
      } catch (error) {
        for (const item of batch) item.reject(error)
      }
    }
  } finally {
    queue.flushing = false
  }
}

/**
 * Under the lock: reads the last line (dropping a torn one a killed writer left), appends the batch, moves the head.
 * Where the head is ahead of the file (its end was cut off) the batch chains from the head, never hiding the cut.
 */
async function writeBatch(file: string, batch: Pending[]): Promise<void> {
  const handle = await open(file, 'a+', 0o600).catch((error: unknown) => {
    throw writeError(file, error)
  })
  try {
    const last = await lastLine(handle, file)
    // lines cut off the end: go on from the head, so the gap stays visible to `log --verify` after this append
    const head = await readJson<AuditHead>(headFile(file)).catch(() => undefined)
    const from = head && head.seq > last.seq ? head : last
    let seq = from.seq
    let prev = from.hash
    let text = ''
    for (const {record, time} of batch) {
      const line: Omit<AuditLine, 'hash'> = {seq: ++seq, time, ...record, prev}
      const hash = lineHash(line)
      text += JSON.stringify({...line, hash}) + '\n'
      prev = hash
    }
    await handle.write(text).catch((error: unknown) => {
      throw writeError(file, error)
    })
    await handle.datasync()
    await writeFileSafely(headFile(file), JSON.stringify({seq, hash: prev} satisfies AuditHead) + '\n')
  } finally {
    await handle.close()
  }
}

/** The seq and hash of the file's last complete line (0 and GENESIS when empty); a torn tail is cut off first. */
async function lastLine(handle: import('node:fs/promises').FileHandle, file: string): Promise<AuditHead> {
  let {size} = await handle.stat()
  // read backwards (in bytes: a chunk may start inside a character) until the chunk holds the whole last line
  for (let chunk = 4096; size > 0; chunk *= 4) {
    const start = Math.max(0, size - chunk)
    const buffer = Buffer.alloc(size - start)
    await handle.read(buffer, 0, buffer.length, start)
    if (buffer[buffer.length - 1] !== NEWLINE) {
      const cut = buffer.lastIndexOf(NEWLINE)
      if (cut < 0 && start > 0) continue
      // a writer killed mid-line: its line was never complete (nor in the head), so it goes
      size = start + cut + 1
      await handle.truncate(size)
      chunk /= 4
      continue
    }
    const from = buffer.lastIndexOf(NEWLINE, buffer.length - 2)
    if (from < 0 && start > 0) continue
    const raw = buffer.subarray(from + 1, buffer.length - 1).toString('utf8')
    try {
      const parsed = JSON.parse(raw) as AuditLine
      if (Number.isInteger(parsed.seq) && typeof parsed.hash === 'string') return {seq: parsed.seq, hash: parsed.hash}
    } catch {
      // a damaged last line: chain to its bytes after the head's seq; `log --verify` reports the damage
    }
    const head = await readJson<AuditHead>(headFile(file)).catch(() => undefined)
    return {seq: head?.seq ?? 0, hash: sha256Hex(raw)}
  }
  return {seq: 0, hash: GENESIS}
}

const NEWLINE = 0x0a

/**
 * Every complete line of the log, oldest first (a torn last line is left out; unparsable lines too).
 * @example const events = await readAudit(caPaths(home).audit)
 */
export async function readAudit(file: string): Promise<AuditLine[]> {
  const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return ''
    throw error
  })
  return text
    .split('\n')
    .slice(0, -1)
    .flatMap((line) => {
      try {
        return [JSON.parse(line) as AuditLine]
      } catch {
        return []
      }
    })
}

export type AuditProblem = 'malformed' | 'edited' | 'reordered' | 'missing' | 'truncated'

export type AuditVerdict = {ok: true; lines: number} | {ok: false; lines: number; line: number; problem: AuditProblem; message: string}

/**
 * Checks the whole chain and the head: every line's hash, its seq and its link to the line before, and that the log
 * still reaches the line the head names. Reports the first bad line (1-based) and what is wrong with it.
 * @example const verdict = await verifyAudit(caPaths(home).audit) // {ok: false, line: 3, problem: 'edited', …}
 */
export async function verifyAudit(file: string): Promise<AuditVerdict> {
  const read = async () => ({text: await readFile(file, 'utf8').catch(() => ''), head: await readJson<AuditHead>(headFile(file)).catch(() => undefined)})
  // under the log's lock (when there is a log: the lock would create it) so an append in progress is seen whole or not at all
  const present = await stat(file).then(() => true, () => false)
  const {text, head} = present ? await withLock(file, read) : await read()
  const raws = text.split('\n')
  if (raws.at(-1) === '') raws.pop()
  const lines = raws.length
  const bad = (line: number, problem: AuditProblem, message: string): AuditVerdict => ({ok: false, lines, line, problem, message})
  const parsed = raws.map((raw) => {
    try {
      const value = JSON.parse(raw) as AuditLine
      return value && typeof value === 'object' && Number.isInteger(value.seq) ? value : undefined
    } catch {
      return undefined
    }
  })
  let prev = GENESIS
  for (let index = 0; index < lines; index++) {
    const number = index + 1
    const line = parsed[index]
    if (!line) return bad(number, 'malformed', `line ${number} is not an audit record (not JSON, or cut short)`)
    if (line.hash !== lineHash(line)) return bad(number, 'edited', `line ${number} was edited: its content does not match its hash`)
    if (line.seq !== number) {
      if (parsed.slice(index + 1).some((later) => later?.seq === number) || line.seq < number) return bad(number, 'reordered', `line ${number} is record ${line.seq}: lines were reordered`)
      return bad(number, 'missing', `line ${number} is record ${line.seq}: record${line.seq - number > 1 ? `s ${number}–${line.seq - 1} are` : ` ${number} is`} missing`)
    }
    if (line.prev !== prev) return bad(number, 'edited', `line ${number} does not chain to the line before it: a line was replaced`)
    prev = line.hash
  }
  if (!head) return lines === 0 ? {ok: true, lines} : bad(lines, 'truncated', `the head file ${headFile(file)} is missing, so a cut-off end cannot be ruled out`)
  if (head.seq > lines) return bad(lines + 1, 'truncated', `the log ends after line ${lines} but ${head.seq} records were written: the last ${head.seq - lines} were cut off`)
  if (head.seq > 0 && parsed[head.seq - 1]!.hash !== head.hash) return bad(head.seq, 'edited', `line ${head.seq} is not the record the head names: the log was rewritten`)
  return {ok: true, lines}
}
