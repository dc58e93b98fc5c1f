import {copyFileSync, readFileSync, realpathSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {readCacerts} from '../../src/trust/stores/java-cacerts-file.js'
import {sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {makeCa, type TestCa} from './support/real.js'

// The in-process cacerts reader against keytool itself: on copies of this machine's cacerts (Debian's JKS), the
// PKCS#12 form the JDK ships since JDK 18 (password-less), and the forms it must refuse (encrypted bags, tampering).

const QUICK_JVM = ['-J-Duser.language=en', '-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC']

async function keytool(args: string[]): Promise<string> {
  const result = await sh('keytool', [...QUICK_JVM, ...args])
  expect(result.code, result.stdout + result.stderr).toBe(0)
  return result.stdout
}

/** `alias fingerprint` of every trusted certificate entry, as keytool lists them. */
async function keytoolEntries(file: string): Promise<string[]> {
  const lines = (await keytool(['-list', '-keystore', file, '-storepass', 'changeit'])).split('\n')
  return lines
    .flatMap((line, index) => {
      const match = line.match(/^Certificate fingerprint \(SHA-256\): ([0-9A-F:]+)/)
      const alias = lines[index - 1]?.match(/^(.*?), [A-Z][a-z]{2} \d+, \d{4}, trustedCertEntry,\s*$/)?.[1]
      return match && alias ? [`${alias} ${match[1]!.replace(/:/g, '').toLowerCase()}`] : []
    })
    .sort()
}

const ours = (file: string) => (readCacerts(readFileSync(file), 'changeit') ?? []).map((entry) => `${entry.alias} ${entry.fingerprint}`).sort()

describe.skipIf(!hasTools('cacerts reader', 'keytool'))('reading Java cacerts in process (checked against keytool)', () => {
  let ca: TestCa
  let dir: string
  let jks: string
  let rootFile: string

  beforeAll(async () => {
    ca = await makeCa('cacerts-file')
    dir = tempDir('localcert-cacerts-')
    jks = path.join(dir, 'cacerts.jks')
    copyFileSync(realpathSync('/etc/ssl/certs/java/cacerts'), jks)
    rootFile = path.join(dir, 'root.pem')
    writeFileSync(rootFile, ca.root.pem)
    await keytool(['-importcert', '-noprompt', '-trustcacerts', '-alias', ca.root.name, '-file', rootFile, '-keystore', jks, '-storepass', 'changeit'])
  })

  it('lists a JKS cacerts exactly as keytool does (aliases and SHA-256 fingerprints), our imported root included', async () => {
    const listed = ours(jks)
    expect(listed.length).toBeGreaterThan(100)
    expect(listed).toEqual(await keytoolEntries(jks))
    expect(listed).toContain(`${ca.root.name} ${ca.root.fingerprint}`)
  })

  it('lists a password-less PKCS#12 cacerts (the JDK 18+ form) exactly as keytool does', async () => {
    const p12 = path.join(dir, 'cacerts.p12')
    await keytool(['-J-Dkeystore.pkcs12.certProtectionAlgorithm=NONE', '-J-Dkeystore.pkcs12.macAlgorithm=NONE', '-importkeystore', '-noprompt', '-srckeystore', jks, '-srcstorepass', 'changeit', '-destkeystore', p12, '-deststoretype', 'PKCS12', '-deststorepass', 'changeit'])
    expect(readFileSync(p12)[0]).toBe(0x30)
    const listed = ours(p12)
    expect(listed).toEqual(await keytoolEntries(p12))
    expect(listed).toContain(`${ca.root.name} ${ca.root.fingerprint}`)
  })

  it('declines (so keytool is asked) an encrypted PKCS#12, a tampered JKS and a JKS under another password', async () => {
    const encrypted = path.join(dir, 'encrypted.p12')
    await keytool(['-importkeystore', '-noprompt', '-srckeystore', jks, '-srcstorepass', 'changeit', '-destkeystore', encrypted, '-deststoretype', 'PKCS12', '-deststorepass', 'changeit'])
    expect(readCacerts(readFileSync(encrypted), 'changeit')).toBeUndefined()
    const tampered = Buffer.from(readFileSync(jks))
    tampered[Math.floor(tampered.length / 2)]! ^= 0x01
    expect(readCacerts(tampered, 'changeit')).toBeUndefined()
    expect(readCacerts(readFileSync(jks), 'not-changeit')).toBeUndefined()
    expect(readCacerts(Buffer.from('not a keystore'), 'changeit')).toBeUndefined()
  })
})
