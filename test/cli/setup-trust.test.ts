import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {uninstallRoot} from '../../src/trust/everywhere.js'
import {parseRoot, type TrustRoot} from '../../src/trust/root.js'
import {cli, sh} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {holdSystemTrust, homeWithNssDb, runsAsRoot, snapshotSystemTrust} from '../trust/support/real.js'

// `localcert setup` as a user runs it, with trust: the real Debian system store (as root), a real NSS database in a
// temporary $HOME, Java's cacerts (fed by Debian's hook) and the runtime bundle; then `localcert uninstall --yes`.

const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
const ANCHORS = '/usr/local/share/ca-certificates'
const DEBIAN_JAVA = '/etc/ssl/certs/java/cacerts'

const runsHere = runsAsRoot('localcert setup with trust') && hasTools('localcert setup with trust', 'update-ca-certificates', 'certutil', 'keytool')

/** The base64 body of a PEM certificate, whitespace removed, to find it in any store's PEM listing. */
const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '')

/** What the stores themselves say, read with their own tools (not with localcert). */
async function whereTrusted(root: TrustRoot, nssdb: string, runtimeBundle: string) {
  const nss = await sh('certutil', ['-L', '-d', `sql:${nssdb}`])
  const java = await sh('keytool', ['-J-Duser.language=en', '-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC', '-list', '-rfc', '-keystore', DEBIAN_JAVA, '-storepass', 'changeit'])
  expect(java.code, java.stderr).toBe(0)
  return {
    systemAnchor: existsSync(path.join(ANCHORS, `${root.name}.crt`)),
    systemBundle: body(readFileSync(SYSTEM_BUNDLE, 'utf8')).includes(body(root.pem)),
    nss: nss.stdout.split('\n').some((line) => new RegExp(`^${root.name}\\s+C,,\\s*$`).test(line)),
    java: body(java.stdout).includes(body(root.pem)),
    runtimeBundle: existsSync(runtimeBundle) && body(readFileSync(runtimeBundle, 'utf8')).includes(body(root.pem)),
  }
}

describe.skipIf(!runsHere)('localcert setup with trust (built CLI, real stores, as root)', () => {
  it('creates the CA and trusts it in the system store, the NSS database in $HOME, Java and the runtime bundle; uninstall --yes removes it from all of them and leaves the system store as it was', async () => {
    const release = await holdSystemTrust()
    const before = snapshotSystemTrust()
    const {home, userHome, nssdb} = homeWithNssDb('setup-trust')
    const env = {HOME: userHome, SHELL: '/bin/bash', XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''}
    const runtimeBundle = path.join(home, 'trust', 'bundle.pem')
    let root: TrustRoot | undefined
    let uninstall: Awaited<ReturnType<typeof cli>>
    let after: string
    try {
      const setup = await cli(['setup', '--json'], {home, env})
      expect(setup.code, setup.stderr).toBe(0)
      const summary = JSON.parse(setup.stdout)
      root = parseRoot(readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8'), 'setup root')
      expect(summary).toMatchObject({home, created: true, root: {fingerprint: root.fingerprint}})
      expect(summary.trust).toEqual([
        {store: 'system', location: `${SYSTEM_BUNDLE} (Debian/Ubuntu)`, status: 'installed'},
        {store: 'nss', location: `${nssdb} (Chrome/Chromium)`, status: 'installed'},
        // Debian's hook put it into cacerts while the system store was updated, so Java finds it already there
        {store: 'java', location: expect.stringMatching(new RegExp(`^${DEBIAN_JAVA} \\(.+\\)$`)), status: 'already-present'},
        {store: 'runtimes', location: runtimeBundle, status: 'installed', hint: expect.stringContaining('localcert env')},
        {store: 'runtimes', location: `${path.join(userHome, '.bashrc')} (bash profile)`, status: 'skipped', hint: expect.stringContaining('--shell-profile')},
      ])
      expect(await whereTrusted(root, nssdb, runtimeBundle)).toEqual({systemAnchor: true, systemBundle: true, nss: true, java: true, runtimeBundle: true})
    } finally {
      uninstall = await cli(['uninstall', '--yes', '--json'], {home, env})
      // safety net when something failed half-way: the system store is the machine's, not the test's
      if (uninstall.code !== 0 && root) await uninstallRoot(root, {localcertHome: home, stores: ['system'], interactive: false})
      after = snapshotSystemTrust()
      await release()
    }
    expect(uninstall.code, uninstall.stdout + uninstall.stderr).toBe(0)
    const removed = JSON.parse(uninstall.stdout)
    expect(removed).toMatchObject({homeRemoved: true, leftoverLocalcertRoots: []})
    expect(removed.stores.map((row: {store: string; status: string}) => `${row.store}: ${row.status}`)).toEqual(['system: removed', 'nss: removed', 'java: already-absent', 'runtimes: removed', 'runtimes: already-absent'])
    expect(existsSync(home)).toBe(false)
    expect(await whereTrusted(root, nssdb, runtimeBundle)).toEqual({systemAnchor: false, systemBundle: false, nss: false, java: false, runtimeBundle: false})
    expect(after).toBe(before)
  })
})
