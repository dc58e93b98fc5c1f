import {appendFile, readFile, readdir, rename, rm, writeFile} from 'node:fs/promises'
import {randomBytes} from 'node:crypto'
import path from 'node:path'
import {ensurePrivateDir, readJson, writeFileSafely} from '../../state/files.js'
import type {Account, CertificateRecord, Order} from './model.js'

/** Everything the ACME server keeps across restarts (nonces are deliberately not kept: clients retry badNonce). */
export interface Snapshot {
  version: 1
  accounts: Account[]
  orders: Order[]
  certificates: CertificateRecord[]
}

export type JournalRecord = {k: 'account'; v: Account} | {k: 'order'; v: Order} | {k: 'cert'; v: CertificateRecord}

function journalPaths(dir: string) {
  return {dir, state: path.join(dir, 'state.json'), journal: path.join(dir, 'journal.jsonl'), certs: path.join(dir, 'certs')}
}

const PEM_NAME = /^[A-Za-z0-9_-]+\.pem$/

/**
 * Durable state without an fsync per request: a snapshot (`state.json`, written atomically) plus an append-only
 * journal of whole-object upserts, batched into one append per tick. A record is one line written by one write(),
 * so a crash leaves at most a torn last line, which `load()` skips; replaying upserts twice is harmless.
 * Certificate chains go to `certs/<id>.pem` (temp file + rename) before the journal line that names them.
 * @example const journal = new Journal(dir); const state = await journal.load(); journal.append({k: 'order', v: order})
 */
export class Journal {
  readonly paths: ReturnType<typeof journalPaths>
  private lines: string[] = []
  private pems = new Map<string, string>()
  private chain: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | undefined
  private compactWith: (() => Snapshot) | undefined
  /** Records appended since the last snapshot; the store compacts when this grows large. */
  recordsSinceSnapshot = 0
  onError: (error: Error) => void = () => undefined

  constructor(dir: string) {
    this.paths = journalPaths(dir)
  }

  /** Reads the snapshot and replays the journal over it (last record of an id wins). */
  async load(): Promise<Snapshot> {
    await ensurePrivateDir(this.paths.dir)
    await ensurePrivateDir(this.paths.certs)
    const snapshot = (await readJson<Snapshot>(this.paths.state).catch(() => undefined)) ?? {version: 1, accounts: [], orders: [], certificates: []}
    const accounts = new Map(snapshot.accounts.map((item) => [item.id, item]))
    const orders = new Map(snapshot.orders.map((item) => [item.id, item]))
    const certificates = new Map(snapshot.certificates.map((item) => [item.id, item]))
    const text = await readFile(this.paths.journal, 'utf8').catch(() => '')
    for (const line of text.split('\n')) {
      if (!line) continue
      let record: JournalRecord
      try {
        record = JSON.parse(line) as JournalRecord
      } catch {
        continue // a torn last line from a crash
      }
      if (record.k === 'account') accounts.set(record.v.id, record.v)
      else if (record.k === 'order') orders.set(record.v.id, record.v)
      else if (record.k === 'cert') certificates.set(record.v.id, record.v)
      this.recordsSinceSnapshot++
    }
    return {version: 1, accounts: [...accounts.values()], orders: [...orders.values()], certificates: [...certificates.values()]}
  }

  append(record: JournalRecord): void {
    this.lines.push(JSON.stringify(record))
    this.recordsSinceSnapshot++
    this.schedule()
  }

  /** Queues a certificate chain; it is on disk before any journal line written after this call. */
  putPem(id: string, pem: string): void {
    this.pems.set(id, pem)
    this.schedule()
  }

  async readPem(id: string): Promise<string | undefined> {
    const queued = this.pems.get(id)
    if (queued) return queued
    return readFile(path.join(this.paths.certs, `${id}.pem`), 'utf8').catch(() => undefined)
  }

  /** Replaces snapshot + journal with `snapshot()` taken inside the writer, and deletes chains it no longer names. */
  compact(snapshot: () => Snapshot): Promise<void> {
    this.compactWith = snapshot
    // counted from now: records arriving while this snapshot is written must not queue another one each
    this.recordsSinceSnapshot = 0
    return this.flush()
  }

  /** Writes everything queued so far; resolves when it is on disk. */
  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer)
    this.timer = undefined
    this.chain = this.chain.then(() => this.drain()).catch((error: Error) => this.onError(error))
    return this.chain
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => void this.flush(), 5).unref()
  }

  private async drain(): Promise<void> {
    const pems = [...this.pems]
    await Promise.all(pems.map(([id, pem]) => this.writePem(id, pem)))
    for (const [id] of pems) this.pems.delete(id)
    const lines = this.lines
    this.lines = []
    const compact = this.compactWith
    this.compactWith = undefined
    if (compact) {
      const snapshot = compact()
      await writeFileSafely(this.paths.state, JSON.stringify(snapshot) + '\n', 0o600)
      await writeFileSafely(this.paths.journal, '', 0o600)
      this.recordsSinceSnapshot = this.lines.length
      await this.prunePems(new Set(snapshot.certificates.map((cert) => `${cert.id}.pem`)))
    } else if (lines.length) {
      await appendFile(this.paths.journal, lines.join('\n') + '\n', {mode: 0o600})
    }
  }

  private async writePem(id: string, pem: string): Promise<void> {
    const file = path.join(this.paths.certs, `${id}.pem`)
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`
    await writeFile(temp, pem, {mode: 0o600})
    await rename(temp, file)
  }

  private async prunePems(keep: Set<string>): Promise<void> {
    const entries = await readdir(this.paths.certs).catch(() => [] as string[])
    await Promise.all(
      entries.filter((name) => (PEM_NAME.test(name) && !keep.has(name) && !this.pems.has(name.slice(0, -4))) || name.endsWith('.tmp')).map((name) => rm(path.join(this.paths.certs, name), {force: true})),
    )
  }

  async close(): Promise<void> {
    await this.flush()
  }
}
