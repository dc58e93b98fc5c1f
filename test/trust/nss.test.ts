import {chmodSync, chownSync, mkdirSync, statSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {recordCommands} from '../../src/lib/exec.js'
import {createContext} from '../../src/trust/context.js'
import {installRoot, trustStatus, uninstallRoot} from '../../src/trust/everywhere.js'
import {pemBlocks} from '../../src/lib/pem.js'
import {describeCert} from '../../src/trust/root.js'
import {cli, sh} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {makeCa, put, runsAsRoot, type TestCa} from './support/real.js'

// Real certutil on real NSS databases, in a temporary $HOME holding every layout localcert must find.

/** Fingerprints and trust flags of every certificate in a database, read with certutil itself. */
async function databaseContents(dir: string): Promise<Array<{nickname: string; flags: string; fingerprint: string}>> {
  const list = await sh('certutil', ['-L', '-d', `sql:${dir}`])
  const rows = list.stdout.split('\n').flatMap((line) => {
    const match = line.match(/^(\S.*?)\s+(\S*,\S*,\S*)\s*$/)
    return match ? [{nickname: match[1]!, flags: match[2]!}] : []
  })
  const result = []
  for (const row of rows) {
    const pem = await sh('certutil', ['-L', '-d', `sql:${dir}`, '-n', row.nickname, '-a'])
    for (const block of pemBlocks(pem.stdout)) result.push({...row, fingerprint: describeCert(block)!.fingerprint})
  }
  return result
}

async function createDb(dir: string): Promise<void> {
  mkdirSync(dir, {recursive: true})
  const created = await sh('certutil', ['-N', '--empty-password', '-d', `sql:${dir}`])
  expect(created.code).toBe(0)
}

describe.skipIf(!hasTools('NSS trust store tests', 'certutil'))('NSS databases, every layout (real certutil)', () => {
  let ca: TestCa
  let h: string
  const layouts: Record<string, string> = {}

  beforeAll(async () => {
    ca = await makeCa('nss')
    h = ca.userHome
    const elsewhere = path.join(path.dirname(h), 'profiles-elsewhere', 'work')
    layouts.classic = path.join(h, '.mozilla/firefox/a1.default-release')
    layouts.absolute = elsewhere
    layouts.xdg = path.join(h, '.config/mozilla/firefox/b2.default-release')
    layouts.snapFirefox = path.join(h, 'snap/firefox/common/.mozilla/firefox/c3.default')
    layouts.flatpakFirefox = path.join(h, '.var/app/org.mozilla.firefox/.mozilla/firefox/d4.default-release')
    layouts.chromium = path.join(h, '.pki/nssdb')
    layouts.chromium146 = path.join(h, '.local/share/pki/nssdb')
    layouts.snapChromium = path.join(h, 'snap/chromium/2917/.pki/nssdb')
    layouts.custom = path.join(path.dirname(h), 'custom-nssdb')
    for (const dir of Object.values(layouts)) await createDb(dir)
    symlinkSync('2917', path.join(h, 'snap/chromium/current'))
    // classic: a relative profile, an absolute one (IsRelative=0), and one that never ran (no database yet)
    put(path.join(h, '.mozilla/firefox/profiles.ini'), `[General]\nStartWithLastProfile=1\n\n[Profile0]\nName=default-release\nIsRelative=1\nPath=a1.default-release\nDefault=1\n\n[Profile1]\nName=work\nIsRelative=0\nPath=${elsewhere}\n\n[Profile2]\nName=never-started\nIsRelative=1\nPath=zz.never-started\n`)
    mkdirSync(path.join(h, '.mozilla/firefox/zz.never-started'))
    // Firefox ≥ 147 (XDG): only an [Install…] section names the profile
    put(path.join(h, '.config/mozilla/firefox/profiles.ini'), '[Install4F96D1932A9F858E]\nDefault=b2.default-release\nLocked=1\n')
    put(path.join(h, 'snap/firefox/common/.mozilla/firefox/profiles.ini'), '[Profile0]\nName=default\nIsRelative=1\nPath=c3.default\n')
    put(path.join(h, '.var/app/org.mozilla.firefox/.mozilla/firefox/profiles.ini'), '[Profile0]\nName=default-release\nIsRelative=1\nPath=d4.default-release\n')
    // a damaged database must be skipped and explained, not stop the others
    put(path.join(h, '.mozilla/firefox/broken.default/cert9.db'), 'this is not an sqlite database')
  })

  /** How localcert names a layout: snap Chromium is reached through its `current` symlink, as snapd sets it up. */
  const shown = (dir: string) => dir.replace(`${path.sep}snap${path.sep}chromium${path.sep}2917${path.sep}`, `${path.sep}snap${path.sep}chromium${path.sep}current${path.sep}`)
  const trust = (args: string[]) => cli(['trust', ...args, '--stores', 'nss', '--nss-db', layouts.custom!, '--json'], {home: ca.home, env: {HOME: h, XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''}})

  it('finds and trusts the root in every database: classic, absolute, XDG, snap and flatpak Firefox, both Chromium paths, snap Chromium, --nss-db', async () => {
    const result = await trust(['install'])
    const rows = JSON.parse(result.stdout).stores as Array<{location: string; status: string; message?: string}>
    const status = (dir: string) => rows.find((row) => row.location.startsWith(`${shown(dir)} (`))?.status
    for (const [layout, dir] of Object.entries(layouts)) expect({layout, status: status(dir)}).toEqual({layout, status: 'installed'})
    expect(rows.find((row) => row.location.includes('zz.never-started'))).toMatchObject({status: 'not-found', message: expect.stringContaining('never ran')})
    expect(rows.find((row) => row.location.includes('broken.default'))).toMatchObject({status: 'failed', message: expect.stringContaining('cannot open this NSS database')})
    expect(result.code).toBe(1)
    for (const dir of Object.values(layouts)) {
      expect(await databaseContents(dir)).toEqual([{nickname: ca.root.name, flags: 'C,,', fingerprint: ca.root.fingerprint}])
      // NSS's own verdict, independent of localcert: a valid trusted CA for TLS servers
      expect((await sh('certutil', ['-V', '-d', `sql:${dir}`, '-u', 'L', '-n', ca.root.name])).stdout).toContain('certificate is valid')
    }
  })

  it('is idempotent: a second install says already there and adds nothing', async () => {
    const rows = JSON.parse((await trust(['install'])).stdout).stores as Array<{location: string; status: string}>
    expect(rows.filter((row) => row.status === 'already-present')).toHaveLength(Object.keys(layouts).length)
    expect(await databaseContents(layouts.classic!)).toHaveLength(1)
  })

  it('removes every copy, whatever its nickname (a hand import, an untrusted duplicate), and trust status then shows it absent everywhere', async () => {
    const byHand = await sh('certutil', ['-A', '-d', `sql:${layouts.chromium}`, '-t', ',,', '-n', 'My dev CA'], {input: ca.root.pem})
    expect(byHand.code).toBe(0)
    const result = await trust(['uninstall'])
    const rows = JSON.parse(result.stdout).stores as Array<{location: string; status: string}>
    for (const dir of Object.values(layouts)) {
      expect(rows.find((row) => row.location.startsWith(`${shown(dir)} (`))?.status).toBe('removed')
      expect((await databaseContents(dir)).filter((entry) => entry.fingerprint === ca.root.fingerprint)).toEqual([])
    }
    const status = JSON.parse((await trust(['status'])).stdout).stores as Array<{location: string; status: string}>
    expect(status.filter((row) => row.status === 'present')).toEqual([])
    expect(status.filter((row) => row.status === 'absent')).toHaveLength(Object.keys(layouts).length)
    // by fingerprint, when nothing holds it any more: "already gone" is success too
    const again = await trust(['uninstall', '--fingerprint', ca.root.fingerprint.slice(0, 16)])
    expect({code: again.code, stores: JSON.parse(again.stdout).stores}).toEqual({code: 0, stores: []})
  })

  it('a hand-imported copy (other nickname) counts as present: install trusts it instead of adding a second entry', async () => {
    await sh('certutil', ['-A', '-d', `sql:${layouts.chromium146}`, '-t', 'C,,', '-n', 'Team root'], {input: ca.root.pem})
    const ctx = createContext({localcertHome: ca.home, homeDir: h, env: {HOME: h}, nssDbs: []})
    const rows = await installRoot(ca.root, {localcertHome: ca.home, stores: ['nss'], context: ctx})
    expect(rows.find((row) => row.location.startsWith(`${layouts.chromium146} (`))?.status).toBe('already-present')
    expect(await databaseContents(layouts.chromium146!)).toEqual([{nickname: 'Team root', flags: 'C,,', fingerprint: ca.root.fingerprint}])
    await uninstallRoot(ca.root, {localcertHome: ca.home, stores: ['nss'], context: ctx})
    expect(await databaseContents(layouts.chromium146!)).toEqual([])
  })
})

describe.skipIf(!runsAsRoot('NSS ownership tests') || !hasTools('NSS ownership tests', 'certutil', 'runuser'))('NSS as root on a user\'s databases', () => {
  const NOBODY = 65534

  it('runs certutil as the owner of the database, so the files stay the user\'s and the user can still open them', async () => {
    const ca = await makeCa('nss-owner')
    const h = ca.userHome
    chmodSync(path.dirname(h), 0o755)
    chownSync(h, NOBODY, NOBODY)
    const db = path.join(h, '.pki/nssdb')
    const made = await sh('runuser', ['-u', 'nobody', '--', 'sh', '-c', `mkdir -p ${db} && certutil -N --empty-password -d sql:${db}`])
    expect(made.code).toBe(0)
    const recording = recordCommands()
    const rows = await installRoot(ca.root, {localcertHome: ca.home, stores: ['nss'], context: createContext({localcertHome: ca.home, homeDir: h, env: {HOME: h}})})
    recording.stop()
    expect(rows[0]).toMatchObject({location: `${db} (Chrome/Chromium)`, status: 'installed'})
    const certutils = recording.commands.filter((command) => command.command === 'certutil')
    expect(certutils.length).toBeGreaterThan(0)
    expect(certutils.every((command) => command.uid === NOBODY)).toBe(true)
    for (const file of ['cert9.db', 'key4.db']) expect(statSync(path.join(db, file)).uid).toBe(NOBODY)
    const asUser = await sh('runuser', ['-u', 'nobody', '--', 'certutil', '-L', '-d', `sql:${db}`])
    expect(asUser.stdout).toContain(ca.root.name)
  })

  it('creates a missing Chromium database as the user (never a root-owned one) when Chromium is installed', async () => {
    const ca = await makeCa('nss-create')
    const h = ca.userHome
    chmodSync(path.dirname(h), 0o755)
    chownSync(h, NOBODY, NOBODY)
    const rows = await installRoot(ca.root, {localcertHome: ca.home, stores: ['nss'], context: createContext({localcertHome: ca.home, homeDir: h, env: {HOME: h}, which: async (command) => command === 'chromium' || command === 'certutil'})})
    const db = path.join(h, '.pki/nssdb')
    expect(rows[0]).toMatchObject({location: expect.stringContaining(db), status: 'installed'})
    for (const file of ['', 'cert9.db', 'key4.db']) expect(statSync(path.join(db, file)).uid).toBe(NOBODY)
    const statusRows = await trustStatus(ca.root, {localcertHome: ca.home, stores: ['nss'], context: createContext({localcertHome: ca.home, homeDir: h, env: {HOME: h}})})
    expect(statusRows[0]?.status).toBe('present')
    writeFileSync(path.join(path.dirname(h), 'done'), '')
  })
})
