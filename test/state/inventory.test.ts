import {readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {currentEntries, PRUNE_AT_BYTES, pruneInventory, readInventory, recordIssued, recordRevoked, type InventoryEntry} from '../../src/state/inventory.js'
import {tempDir} from '../support/env.js'

const DAY = 24 * 3600 * 1000
// relative to the real clock: an append past the size limit prunes with Date.now(); no offset is near the 30-day line
const NOW = Date.now()

/** An entry that expires `expiresInDays` after NOW (negative: expired that long ago). */
function entry(serial: string, expiresInDays: number, extra: Partial<InventoryEntry> = {}): InventoryEntry {
  const notAfter = new Date(NOW + expiresInDays * DAY)
  return {serial, names: [`${serial}.localhost`], fingerprint: serial.padEnd(64, '0'), notBefore: new Date(notAfter.getTime() - 90 * DAY).toISOString(), notAfter: notAfter.toISOString(), issuedAt: new Date(notAfter.getTime() - 90 * DAY).toISOString(), source: 'api', keyType: 'ecdsa', ...extra}
}

/** 20,000 entries: a quarter expired more than 30 days ago, a quarter 1–29 days ago, half still valid; 400 revoked (200 of them pruned). */
function largeInventory(file: string): {expiredLong: string[]; kept: string[]} {
  const lines: string[] = []
  const expiredLong: string[] = []
  const kept: string[] = []
  for (let index = 0; index < 20_000; index++) {
    const serial = index.toString(16).padStart(8, '0')
    const days = index % 4 === 0 ? -31 - (index % 300) : index % 4 === 1 ? -1 - (index % 29) : 1 + (index % 800)
    lines.push(JSON.stringify(entry(serial, days)))
    if (index % 50 === 0) lines.push(JSON.stringify({revokedSerial: serial, at: new Date(NOW - 40 * DAY).toISOString(), reason: 4}))
    ;(days < -30 ? expiredLong : kept).push(serial)
  }
  writeFileSync(file, lines.join('\n') + '\n', {mode: 0o600})
  return {expiredLong, kept}
}

describe('the inventory (issued.jsonl)', () => {
  it('prunes entries expired more than 30 days (and their revocation lines) from a 20,000-entry file, in one atomic replace', async () => {
    const file = path.join(tempDir('localcert-inventory-'), 'issued.jsonl')
    const {expiredLong, kept} = largeInventory(file)
    const inodeBefore = statSync(file).ino
    const removed = await pruneInventory(file, NOW)
    expect(removed).toBe(expiredLong.length + 200)
    expect(statSync(file).ino).not.toBe(inodeBefore)
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const after = await readInventory(file)
    expect(after.map((item) => item.serial)).toEqual(kept)
    // revocations of kept entries stay attached; those of pruned entries went with them
    expect(after.filter((item) => item.revoked).map((item) => item.serial)).toEqual(kept.filter((serial) => parseInt(serial, 16) % 50 === 0))
    expect(readFileSync(file, 'utf8').split('\n').filter((line) => line.includes('revokedSerial'))).toHaveLength(200)
    expect(await pruneInventory(file, NOW)).toBe(0)
  })

  it('loses no line appended while a prune runs (200 appends racing it)', async () => {
    const file = path.join(tempDir('localcert-inventory-race-'), 'issued.jsonl')
    const {kept} = largeInventory(file)
    const racing = Array.from({length: 200}, (_, index) => `race${index}`)
    await Promise.all([pruneInventory(file, NOW), ...racing.map((serial) => recordIssued(file, entry(serial, 10)))])
    const serials = (await readInventory(file)).map((item) => item.serial)
    expect(serials.filter((serial) => serial.startsWith('race')).sort()).toEqual([...racing].sort())
    expect(serials.filter((serial) => !serial.startsWith('race'))).toEqual(kept)
  })

  it('an append that takes the file past another MiB prunes it; the next append (no boundary crossed) and a small file are only appended to', async () => {
    const file = path.join(tempDir('localcert-inventory-grow-'), 'issued.jsonl')
    const old = JSON.stringify(entry('old', -60)) + '\n'
    const lines = old.repeat(Math.floor(PRUNE_AT_BYTES / old.length))
    // blank lines (skipped by readers) bring it to 10 bytes short of the limit
    writeFileSync(file, lines + '\n'.repeat(PRUNE_AT_BYTES - 10 - lines.length), {mode: 0o600})
    await recordIssued(file, entry('fresh', 10))
    expect((await readInventory(file)).map((item) => item.serial)).toEqual(['fresh'])
    const past = Array.from({length: Math.ceil(PRUNE_AT_BYTES / old.length) + 10}, (_, index) => JSON.stringify(entry(`old${index}`, -60)) + '\n').join('')
    writeFileSync(file, past, {mode: 0o600})
    await recordIssued(file, entry('fresh2', 10))
    expect((await readInventory(file)).filter((item) => item.serial.startsWith('old')).length).toBeGreaterThan(1000)

    const small = path.join(tempDir('localcert-inventory-small-'), 'issued.jsonl')
    writeFileSync(small, old)
    await recordIssued(small, entry('fresh', 10))
    expect((await readInventory(small)).map((item) => item.serial)).toEqual(['old', 'fresh'])
  })

  it('a revocation marks its entry; currentEntries keeps the newest entry per file and every entry without one', async () => {
    const file = path.join(tempDir('localcert-inventory-current-'), 'issued.jsonl')
    await recordIssued(file, entry('a1', 10, {certFile: '/p/app.pem', issuedAt: new Date(NOW - 2 * DAY).toISOString()}))
    await recordIssued(file, entry('acme1', 10, {source: 'acme'}))
    await recordIssued(file, entry('a2', 20, {certFile: '/p/app.pem', issuedAt: new Date(NOW - DAY).toISOString()}))
    await recordRevoked(file, 'acme1', {at: '2026-05-03T00:00:00.000Z', reason: 1})
    const current = currentEntries(await readInventory(file))
    expect(current.map((item) => [item.serial, item.revoked?.reason])).toEqual([['acme1', 1], ['a2', undefined]])
  })
})
