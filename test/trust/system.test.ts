import {existsSync, mkdirSync, readdirSync, readlinkSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {uninstallRoot} from '../../src/trust/everywhere.js'
import {cli, sh} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {curlGet, javaClient, opensslConnect} from './support/clients.js'
import {holdSystemTrust, makeCa, runsAsRoot, snapshotSystemTrust, startHttps, type TestCa} from './support/real.js'

// The real Debian system store, as root: install, prove with curl, openssl and Java, remove, and leave the machine exactly as found.

const ANCHORS = '/usr/local/share/ca-certificates'
const LINKS = '/etc/ssl/certs'
const DEBIAN_JAVA = '/etc/ssl/certs/java/cacerts'

const runsHere = runsAsRoot('Debian system store tests') && hasTools('Debian system store tests', 'update-ca-certificates', 'openssl', 'curl', 'certutil', 'keytool', 'javac', 'java')

describe.skipIf(!runsHere)('Debian system store (real update-ca-certificates, as root)', () => {
  let ca: TestCa
  let server: Awaited<ReturnType<typeof startHttps>>
  let before: string
  let javaGet: Awaited<ReturnType<typeof javaClient>>
  const env = () => ({HOME: ca.userHome, XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''})
  const run = (args: string[]) => cli([...args, '--json'], {home: ca.home, env: env()})
  const systemStatus = async () => {
    const result = await run(['trust', 'status', '--stores', 'system'])
    expect(result.code, result.stderr).toBe(0)
    return (JSON.parse(result.stdout).stores as Array<{status: string}>).map((row) => row.status)
  }
  /** The Java alias Debian's hook gives the root: `debian:<file name>.pem`. */
  const debianAlias = () => sh('keytool', ['-J-Duser.language=en', '-list', '-keystore', DEBIAN_JAVA, '-storepass', 'changeit', '-alias', `debian:${ca.root.name}.pem`])
  /** Everything in /etc/ssl/certs that names the root or points at its anchor file. */
  const ourLinks = () => readdirSync(LINKS).filter((entry) => {
    const target = (() => {
      try {
        return readlinkSync(path.join(LINKS, entry))
      } catch {
        return ''
      }
    })()
    return entry.includes(ca.root.name) || target.includes(ca.root.name)
  })

  let releaseSystemTrust: (() => Promise<void>) | undefined
  beforeAll(async () => {
    releaseSystemTrust = await holdSystemTrust()
    before = snapshotSystemTrust()
    ca = await makeCa('system')
    server = await startHttps(ca)
    javaGet = await javaClient()
  })

  afterAll(async () => {
    await server?.close()
    // safety net if a test failed half-way: the root is removed in-process even when the CA dir is already gone
    if (ca) await uninstallRoot(ca.root, {localcertHome: ca.home, stores: ['system'], interactive: false})
    await releaseSystemTrust?.()
  })

  it('before install, curl, openssl s_client and Java all reject the server', async () => {
    expect((await curlGet(server.port)).code).toBe(60)
    expect((await opensslConnect(server.port)).code).not.toBe(0)
    expect((await javaGet(server.port)).stderr).toContain('PKIX path building failed')
    expect(await systemStatus()).toEqual(['absent'])
  })

  it('trust install --stores system: curl, openssl s_client and Java (through Debian\'s hook) trust it; uninstall takes it all back', async () => {
    try {
      const installed = await run(['trust', 'install', '--stores', 'system'])
      expect(installed.code, installed.stderr).toBe(0)
      expect(JSON.parse(installed.stdout).stores).toEqual([expect.objectContaining({store: 'system', status: 'installed'})])
      expect(existsSync(path.join(ANCHORS, `${ca.root.name}.crt`))).toBe(true)
      expect(ourLinks().length).toBe(2) // <name>.pem and its hash link

      const curl = await curlGet(server.port)
      expect(curl, curl.stderr).toMatchObject({code: 0, stdout: 'hello from localcert\n'})
      const openssl = await opensslConnect(server.port)
      expect(openssl.code, openssl.stderr).toBe(0)
      expect(openssl.stdout).toContain('Verify return code: 0 (ok)')
      expect((await debianAlias()).stdout).toContain('trustedCertEntry')
      const java = await javaGet(server.port)
      expect(java, java.stderr).toMatchObject({code: 0, stdout: 'hello from localcert\n'})
      expect(await systemStatus()).toEqual(['present'])

      const again = await run(['trust', 'install', '--stores', 'system'])
      expect(JSON.parse(again.stdout).stores[0].status).toBe('already-present')
    } finally {
      const removed = await run(['trust', 'uninstall', '--stores', 'system'])
      expect(removed.code, removed.stderr).toBe(0)
      expect(JSON.parse(removed.stdout).stores).toEqual([expect.objectContaining({store: 'system', status: 'removed'})])
    }
    expect(existsSync(path.join(ANCHORS, `${ca.root.name}.crt`))).toBe(false)
    expect(ourLinks()).toEqual([])
    expect((await debianAlias()).code).not.toBe(0)
    expect((await curlGet(server.port)).code).toBe(60)
    const openssl = await opensslConnect(server.port)
    expect(openssl.code).not.toBe(0)
    expect(openssl.stdout + openssl.stderr).toMatch(/verify error|unable to get/i)
    expect((await javaGet(server.port)).code).toBe(1)
    expect(await systemStatus()).toEqual(['absent'])
    const twice = await run(['trust', 'uninstall', '--stores', 'system'])
    expect(JSON.parse(twice.stdout).stores[0].status).toBe('already-absent')
    expect(snapshotSystemTrust()).toBe(before)
  })

  it('localcert uninstall --yes: removes the root from the system store and the NSS database, then deletes the CA', async () => {
    const nssdb = path.join(ca.userHome, '.pki', 'nssdb')
    mkdirSync(nssdb, {recursive: true})
    expect((await sh('certutil', ['-N', '--empty-password', '-d', `sql:${nssdb}`])).code).toBe(0)
    let removed: {homeRemoved: boolean; stores: Array<{store: string; location: string; status: string}>} | undefined
    try {
      const installed = await run(['trust', 'install', '--stores', 'system,nss'])
      expect(JSON.parse(installed.stdout).stores.map((row: {status: string}) => row.status)).toEqual(['installed', 'installed'])
      expect((await curlGet(server.port)).code).toBe(0)
    } finally {
      const result = await run(['uninstall', '--yes'])
      expect(result.code, result.stderr).toBe(0)
      removed = JSON.parse(result.stdout)
    }
    expect(removed!.homeRemoved).toBe(true)
    expect(existsSync(ca.home)).toBe(false)
    const statusOf = (store: string) => removed!.stores.filter((row) => row.store === store).map((row) => row.status)
    expect(statusOf('system')).toEqual(['removed'])
    expect(statusOf('nss')).toEqual(['removed'])
    expect((await sh('certutil', ['-L', '-d', `sql:${nssdb}`])).stdout).not.toContain(ca.root.name)
    expect((await curlGet(server.port)).code).toBe(60)
    expect(ourLinks()).toEqual([])
    expect(snapshotSystemTrust()).toBe(before)
  })
})
