import {copyFileSync, createReadStream, mkdirSync, realpathSync} from 'node:fs'
import {createHash} from 'node:crypto'
import path from 'node:path'
import {beforeAll, afterAll, describe, expect, it} from 'vitest'
import {cli, sh} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {javaClient} from './support/clients.js'
import {holdSystemTrust, makeCa, startHttps, type TestCa} from './support/real.js'

// Real keytool on a COPY of this machine's cacerts, in a JDK home of our own (--java-home); the real file must not change.

/** keytool is a JVM started for a fraction of a second: C1 only and the serial GC start it about a third faster. */
const QUICK_JVM = ['-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC']

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256')
    createReadStream(file).on('data', (chunk) => hash.update(chunk)).on('end', () => resolve(hash.digest('hex'))).on('error', reject)
  })
}

/** `alias, entry type` of every keystore entry holding a certificate with this SHA-256 fingerprint, read with keytool itself. */
async function aliasesOf(cacerts: string, fingerprint: string): Promise<string[]> {
  const list = await sh('keytool', ['-J-Duser.language=en', ...QUICK_JVM, '-list', '-keystore', cacerts, '-storepass', 'changeit'])
  expect(list.code, list.stderr).toBe(0)
  const aliases: string[] = []
  const lines = list.stdout.split('\n')
  lines.forEach((line, index) => {
    const match = line.match(/^Certificate fingerprint \(SHA-256\): ([0-9A-F:]+)/)
    if (match && match[1]!.replace(/:/g, '').toLowerCase() === fingerprint) aliases.push(lines[index - 1]!.replace(/, [A-Z][a-z]{2} \d+, \d{4}, /, ', ').replace(/,\s*$/, ''))
  })
  return aliases
}

describe.skipIf(!hasTools('Java keystore tests', 'keytool', 'javac', 'java'))('Java cacerts (real keytool on a copy)', () => {
  let ca: TestCa
  let server: Awaited<ReturnType<typeof startHttps>>
  let javaGet: Awaited<ReturnType<typeof javaClient>>
  let realCacerts: string
  let realHash: string
  let jdk: string
  let copy: string
  let release: (() => Promise<void>) | undefined
  const trust = (args: string[], javaHome = jdk) => cli(['trust', ...args, '--stores', 'java', '--java-home', javaHome, '--json'], {home: ca.home, env: {HOME: ca.userHome}})
  const rows = (result: {stdout: string}) => JSON.parse(result.stdout).stores as Array<{location: string; status: string; message?: string; hint?: string}>

  beforeAll(async () => {
    // the real cacerts is compared before and after: hold the machine's trust lock, so that no other test's
    // update-ca-certificates (whose Java hook rewrites that file) runs in between
    release = await holdSystemTrust()
    ca = await makeCa('java')
    server = await startHttps(ca)
    javaGet = await javaClient()
    // the cacerts of the JDK on PATH (on Debian a link to /etc/ssl/certs/java/cacerts)
    const javaHome = path.dirname(path.dirname(realpathSync((await sh('sh', ['-c', 'command -v java'])).stdout.trim())))
    realCacerts = realpathSync(path.join(javaHome, 'lib', 'security', 'cacerts'))
    realHash = await sha256(realCacerts)
    jdk = path.join(path.dirname(ca.userHome), 'jdk')
    copy = path.join(jdk, 'lib', 'security', 'cacerts')
    mkdirSync(path.dirname(copy), {recursive: true})
    copyFileSync(realCacerts, copy)
  })

  afterAll(async () => {
    await server?.close()
    await release?.()
  })

  it('before install the copy does not trust the server, and status says absent', async () => {
    expect((await javaGet(server.port, copy)).stderr).toContain('PKIX path building failed')
    const status = await trust(['status'])
    expect(rows(status)).toEqual([expect.objectContaining({location: `${copy} (jdk)`, status: 'absent'})])
  })

  it('install: keytool lists the root as a trusted entry under our alias, and a Java TLS client trusts the server', async () => {
    const installed = await trust(['install'])
    expect(installed.code, installed.stderr).toBe(0)
    expect(rows(installed)).toEqual([expect.objectContaining({location: `${copy} (jdk)`, status: 'installed'})])
    expect(await aliasesOf(copy, ca.root.fingerprint)).toEqual([`${ca.root.name}, trustedCertEntry`])
    const java = await javaGet(server.port, copy)
    expect(java, java.stderr).toMatchObject({code: 0, stdout: 'hello from localcert\n'})
    // only the copy changed: the JVM's own store still rejects the server, and the real file is byte for byte the same
    expect((await javaGet(server.port)).code).toBe(1)
    expect(await sha256(realCacerts)).toBe(realHash)
    expect(rows(await trust(['status']))[0]?.status).toBe('present')
  })

  it('uninstall removes every alias holding the root (ours and a hand-made one); the client fails again', async () => {
    const byHand = await sh('keytool', [...QUICK_JVM, '-importcert', '-noprompt', '-alias', 'my dev ca', '-keystore', copy, '-storepass', 'changeit'], {input: ca.root.pem})
    expect(byHand.code, byHand.stderr).toBe(0)
    expect((await aliasesOf(copy, ca.root.fingerprint)).sort()).toEqual([`${ca.root.name}, trustedCertEntry`, 'my dev ca, trustedCertEntry'].sort())
    const removed = await trust(['uninstall'])
    expect(removed.code, removed.stderr).toBe(0)
    expect(rows(removed)).toEqual([expect.objectContaining({status: 'removed'})])
    expect(await aliasesOf(copy, ca.root.fingerprint)).toEqual([])
    expect((await javaGet(server.port, copy)).stderr).toContain('PKIX path building failed')
    expect(rows(await trust(['status']))[0]?.status).toBe('absent')
    expect(rows(await trust(['uninstall']))[0]?.status).toBe('already-absent')
    expect(await sha256(realCacerts)).toBe(realHash)
  })

  it('a JDK home without cacerts (a Homebrew keg root) is reported with a hint, not an error', async () => {
    const keg = path.join(path.dirname(ca.userHome), 'keg')
    mkdirSync(path.join(keg, 'bin'), {recursive: true})
    const result = await trust(['install'], keg)
    expect(rows(result)).toEqual([expect.objectContaining({location: keg, status: 'not-found', hint: expect.stringContaining('--java-home')})])
    expect(await sha256(realCacerts)).toBe(realHash)
  })
})
