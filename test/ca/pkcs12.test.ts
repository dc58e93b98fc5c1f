import {describe, expect, it, beforeAll} from 'vitest'
import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {createPrivateKey, createPublicKey} from 'node:crypto'
import {openAuthority, type Authority} from '../../src/ca/authority.js'
import {issueLeaf, type IssuedLeaf} from '../../src/ca/leaf.js'
import {parseNames} from '../../src/ca/names.js'
import {buildPkcs12} from '../../src/ca/pkcs12.js'
import {hasTools} from '../support/tools.js'
import {sh, tempDir} from '../support/env.js'

describe.skipIf(!hasTools('PKCS#12 checks with openssl and keytool', 'openssl', 'keytool'))('PKCS#12 output', () => {
  let ca: Authority
  let leaf: IssuedLeaf
  let dir: string
  let p12: string

  beforeAll(async () => {
    ca = await openAuthority(tempDir())
    leaf = await issueLeaf(ca, parseNames(['app.localhost', '127.0.0.1']))
    dir = tempDir()
    p12 = path.join(dir, 'app.p12')
    writeFileSync(p12, await buildPkcs12(leaf.keyPem!, leaf.chainPem + ca.rootPem, 'changeit'))
  })

  it('is accepted by openssl pkcs12 with the right password, and its key matches the leaf', async () => {
    const out = path.join(dir, 'out.pem')
    const result = await sh('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:changeit', '-nodes', '-out', out])
    expect(result.code, result.stderr).toBe(0)
    const info = await sh('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:changeit', '-info', '-noout'])
    expect(info.stderr).toMatch(/MAC: sha256/)
    expect(info.stderr).toMatch(/PBES2, PBKDF2, AES-256-CBC/)
    const text = (await import('node:fs')).readFileSync(out, 'utf8')
    expect(text.match(/BEGIN CERTIFICATE/g)).toHaveLength(3)
    const key = createPrivateKey(text)
    const expected = createPublicKey(createPrivateKey(leaf.keyPem!)).export({type: 'spki', format: 'der'})
    expect(createPublicKey(key).export({type: 'spki', format: 'der'}).equals(expected)).toBe(true)
  })

  it('is refused by openssl with a wrong password (the MAC really is checked)', async () => {
    const result = await sh('openssl', ['pkcs12', '-in', p12, '-passin', 'pass:wrong', '-nodes', '-noout'])
    expect(result.code).not.toBe(0)
    expect(result.stderr).toMatch(/mac verify (failure|error)/i)
  })

  it('imports into a Java keystore with keytool -importkeystore as one key entry with its chain', async () => {
    const jks = path.join(dir, 'app.jks')
    const imported = await sh('keytool', ['-importkeystore', '-srckeystore', p12, '-srcstoretype', 'PKCS12', '-srcstorepass', 'changeit', '-destkeystore', jks, '-deststoretype', 'PKCS12', '-deststorepass', 'changeit', '-noprompt'])
    expect(imported.code, imported.stdout + imported.stderr).toBe(0)
    const listed = await sh('keytool', ['-list', '-v', '-keystore', jks, '-storepass', 'changeit'])
    expect(listed.stdout).toMatch(/Entry type: PrivateKeyEntry/)
    expect(listed.stdout).toMatch(/Certificate chain length: 3/)
  })
})
