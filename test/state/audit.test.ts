import {appendFileSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {appendAudit, GENESIS, headFile, lineHash, readAudit, verifyAudit, type AuditRecord} from '../../src/state/audit.js'
import {sh, tempDir} from '../support/env.js'
import {sourceProgram} from '../support/program.js'

const issued = (name: string): AuditRecord => ({event: 'issued', via: 'cli', names: [name], serial: name.length.toString(16).padStart(32, '0')})

/** A log of `count` issuances in a fresh directory. */
async function logOf(count: number, prefix = 'n'): Promise<string> {
  const file = path.join(tempDir('localcert-audit-'), 'audit.jsonl')
  for (let index = 1; index <= count; index++) await appendAudit(file, issued(`${prefix}${index}.localhost`))
  return file
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').slice(0, -1)
const rewrite = (file: string, kept: string[]) => writeFileSync(file, kept.map((line) => line + '\n').join(''))

describe('the audit log', () => {
  it('appends one chained line per event: seq from 1, prev the line before (GENESIS first), hash over the rest; the head names the last', async () => {
    const file = await logOf(3)
    const events = await readAudit(file)
    expect(events.map((line) => [line.seq, line.names])).toEqual([[1, ['n1.localhost']], [2, ['n2.localhost']], [3, ['n3.localhost']]])
    expect(events[0]!.prev).toBe(GENESIS)
    expect(events[1]!.prev).toBe(events[0]!.hash)
    for (const line of events) expect(line.hash).toBe(lineHash(line))
    expect(Date.parse(events[0]!.time)).not.toBeNaN()
    expect(JSON.parse(readFileSync(headFile(file), 'utf8'))).toEqual({seq: 3, hash: events[2]!.hash})
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(headFile(file)).mode & 0o777).toBe(0o600)
    expect(await verifyAudit(file)).toEqual({ok: true, lines: 3})
  })

  it('verifies an absent log as an empty one, and keys in any order hash the same', async () => {
    expect(await verifyAudit(path.join(tempDir(), 'audit.jsonl'))).toEqual({ok: true, lines: 0})
    const file = await logOf(2)
    const [first, second] = lines(file)
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(first!)).reverse()))
    rewrite(file, [reordered, second!])
    expect(await verifyAudit(file)).toEqual({ok: true, lines: 2})
  })

  it('--verify finds an edited line', async () => {
    const file = await logOf(5)
    const all = lines(file)
    all[2] = all[2]!.replace('n3.localhost', 'evil.example.com')
    rewrite(file, all)
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 3, problem: 'edited', message: expect.stringContaining('line 3 was edited')})
  })

  it('finds a line replaced by one with a correct hash of its own (the chain breaks there)', async () => {
    const file = await logOf(4)
    const all = lines(file)
    const forged = {...JSON.parse(all[1]!), names: ['evil.localhost'], prev: GENESIS}
    all[1] = JSON.stringify({...forged, hash: lineHash(forged)})
    rewrite(file, all)
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 2, problem: 'edited', message: expect.stringContaining('does not chain')})
  })

  it('finds a swapped pair of lines', async () => {
    const file = await logOf(5)
    const all = lines(file)
    ;[all[1], all[2]] = [all[2]!, all[1]!]
    rewrite(file, all)
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 2, problem: 'reordered', message: 'line 2 is record 3: lines were reordered'})
  })

  it('finds a deleted middle line', async () => {
    const file = await logOf(5)
    const all = lines(file)
    all.splice(2, 1)
    rewrite(file, all)
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 3, problem: 'missing', message: 'line 3 is record 4: record 3 is missing'})
  })

  it('finds a truncated tail through the head, even when what is left is a perfect chain', async () => {
    const file = await logOf(5)
    rewrite(file, lines(file).slice(0, 3))
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 4, problem: 'truncated', message: 'the log ends after line 3 but 5 records were written: the last 2 were cut off'})
    writeFileSync(file, '')
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 1, problem: 'truncated'})
  })

  it('keeps a cut-off end visible after the next append: the new line chains from the head, not from what is left', async () => {
    const file = await logOf(6)
    rewrite(file, lines(file).slice(0, 4))
    await appendAudit(file, issued('after.localhost'))
    expect(JSON.parse(lines(file).at(-1)!)).toMatchObject({seq: 7})
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 5, problem: 'missing', message: 'line 5 is record 7: records 5–6 are missing'})
  })

  it('finds a log whose head is gone, and one rewritten from scratch behind the head', async () => {
    const file = await logOf(3)
    const head = readFileSync(headFile(file), 'utf8')
    writeFileSync(headFile(file), '')
    expect(await verifyAudit(file)).toMatchObject({ok: false, problem: 'truncated', message: expect.stringContaining('head file')})
    // a whole new chain of the same length, written by someone who knows the format
    const fresh = await logOf(3, 'forged')
    writeFileSync(file, readFileSync(fresh))
    writeFileSync(headFile(file), head)
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 3, problem: 'edited', message: expect.stringContaining('the log was rewritten')})
  })

  it('a line torn by a killed writer is dropped by the next append, and the chain stays valid', async () => {
    const file = await logOf(2)
    appendFileSync(file, '{"seq":3,"time":"2026-')
    expect(await verifyAudit(file)).toMatchObject({ok: false, line: 3, problem: 'malformed'})
    await appendAudit(file, issued('after.localhost'))
    expect((await readAudit(file)).map((line) => line.seq)).toEqual([1, 2, 3])
    expect(await verifyAudit(file)).toEqual({ok: true, lines: 3})
  })

  it('chains after lines longer than one read (many names, characters of several bytes), torn or not', async () => {
    const file = path.join(tempDir('localcert-audit-'), 'audit.jsonl')
    const names = Array.from({length: 400}, (_, index) => `bücher-${index}.localhost`)
    await appendAudit(file, {event: 'issued', via: 'api', names})
    await appendAudit(file, {event: 'issued', via: 'api', names: names.slice(100)})
    appendFileSync(file, JSON.stringify({seq: 3, names}).slice(0, 9000))
    await appendAudit(file, issued('short.localhost'))
    expect((await readAudit(file)).map((line) => line.names!.length)).toEqual([400, 300, 1])
    expect(await verifyAudit(file)).toEqual({ok: true, lines: 3})
  })

  it('batches the appends of one process: 200 at once all land, in one chain', async () => {
    const file = path.join(tempDir('localcert-audit-'), 'audit.jsonl')
    await Promise.all(Array.from({length: 200}, (_, index) => appendAudit(file, issued(`b${index}.localhost`))))
    const events = await readAudit(file)
    expect(events.map((line) => line.seq)).toEqual(Array.from({length: 200}, (_, index) => index + 1))
    expect(new Set(events.map((line) => line.names![0])).size).toBe(200)
    expect(await verifyAudit(file)).toEqual({ok: true, lines: 200})
  })

  it('concurrent appends from several processes lose nothing and keep the chain valid', async () => {
    const dir = tempDir('localcert-audit-procs-')
    const file = path.join(dir, 'audit.jsonl')
    const program = await sourceProgram(
      `import {appendAudit} from 'SRC/state/audit.ts'
      const [file, who] = process.argv.slice(2)
      for (let round = 0; round < 10; round++) await Promise.all(Array.from({length: 5}, (_, i) => appendAudit(file, {event: 'issued', via: 'api', names: [who + '-' + round + '-' + i + '.localhost']})))`,
      path.join(dir, 'append.mjs'),
    )
    const results = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((who) => sh(process.execPath, [program, file, who])))
    for (const result of results) expect(result.code, result.stderr).toBe(0)
    const events = await readAudit(file)
    expect(events).toHaveLength(200)
    expect(new Set(events.map((line) => line.names![0])).size).toBe(200)
    expect(await verifyAudit(file)).toEqual({ok: true, lines: 200})
  })
})
