import {describe, expect, it, beforeAll} from 'vitest'
import {openAuthority, type Authority} from '../../src/ca/authority.js'
import {issueLeaf, signCsr} from '../../src/ca/leaf.js'
import {parseNames} from '../../src/ca/names.js'
import {loadX509} from '../../src/ca/x509.js'
import {randomSerial} from '../../src/ca/serial.js'
import {generateKeyPair, importPrivateKeyPem} from '../../src/ca/keys.js'
import {hasTools} from '../support/tools.js'
import {sh, tempDir} from '../support/env.js'
import {opensslVerify} from '../support/pki.js'
import path from 'node:path'
import {readFileSync} from 'node:fs'

/** Signs a leaf for `names` with the intermediate, bypassing our policy check, to prove the X.509 constraint itself. */
async function forceLeaf(ca: Authority, dns: string[], ips: string[] = []) {
  const x509 = await loadX509()
  const keys = await generateKeyPair('ecdsa', 'leaf')
  const issuer = new x509.X509Certificate(ca.intermediatePem)
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: [{CN: [dns[0] ?? ips[0]!]}] as Array<Record<string, string[]>>,
    issuer: issuer.subjectName,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    publicKey: keys.publicKey,
    signingKey: (await importPrivateKeyPem(readFileSync(ca.paths.intermediateKey(ca.meta.intermediate.id), 'utf8'))).key,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...dns.map((value) => ({type: 'dns' as const, value})), ...ips.map((value) => ({type: 'ip' as const, value}))]),
    ],
  })
  return cert.toString('pem') + '\n'
}

describe.skipIf(!hasTools('chain verification with openssl', 'openssl'))('certificate chains, verified by openssl', () => {
  let ecdsa: Authority
  let rsa: Authority
  let open: Authority

  beforeAll(async () => {
    ecdsa = await openAuthority(tempDir('localcert-ecdsa-'))
    rsa = await openAuthority(tempDir('localcert-rsa-'), {keyType: 'rsa'})
    open = await openAuthority(tempDir('localcert-open-'), {nameConstraints: false})
  })

  it.each([
    ['a DNS name', ['app.localhost'], ['-purpose', 'sslserver', '-verify_hostname', 'app.localhost']],
    ['a wildcard', ['*.app.localhost'], ['-purpose', 'sslserver', '-verify_hostname', 'foo.app.localhost']],
    ['an IPv4 address', ['127.0.0.1'], ['-purpose', 'sslserver', '-verify_ip', '127.0.0.1']],
    ['an IPv6 address', ['::1'], ['-purpose', 'sslserver', '-verify_ip', '::1']],
    ['a private IPv4 address', ['192.168.1.20'], ['-purpose', 'sslserver', '-verify_ip', '192.168.1.20']],
    ['names under .test, .internal, .home.arpa and .local', ['api.test', 'db.internal', 'nas.home.arpa', 'printer.local'], ['-purpose', 'sslserver', '-verify_hostname', 'nas.home.arpa']],
  ])('issues an ECDSA leaf for %s that openssl accepts', async (_label, names, extra) => {
    const leaf = await issueLeaf(ecdsa, parseNames(names))
    const result = await opensslVerify(leaf.chainPem, ecdsa, ['-x509_strict', ...extra])
    expect(result.output).toMatch(/: OK/)
    expect(result.ok).toBe(true)
  })

  it('issues RSA leaves under an RSA-3072 root that openssl accepts', async () => {
    const leaf = await issueLeaf(rsa, parseNames(['app.localhost', '127.0.0.1']))
    expect((await opensslVerify(leaf.chainPem, rsa, ['-x509_strict', '-purpose', 'sslserver', '-verify_hostname', 'app.localhost'])).ok).toBe(true)
    const dir = tempDir()
    const file = path.join(dir, 'leaf.pem')
    await import('node:fs/promises').then((fs) => fs.writeFile(file, leaf.certPem))
    const info = await sh('openssl', ['x509', '-in', file, '-noout', '-text'])
    expect(info.stdout).toMatch(/Public-Key: \(2048 bit\)/)
    const rootInfo = await sh('openssl', ['x509', '-noout', '-text', '-in', rsa.paths.rootCert])
    expect(rootInfo.stdout).toMatch(/Public-Key: \(3072 bit\)/)
  })

  it('issues client certificates valid for sslclient and S/MIME leaves valid for smimesign', async () => {
    const client = await issueLeaf(ecdsa, parseNames(['me.localhost']), {client: true})
    expect((await opensslVerify(client.chainPem, ecdsa, ['-x509_strict', '-purpose', 'sslclient'])).ok).toBe(true)
    const mail = await issueLeaf(ecdsa, parseNames(['dev@app.localhost']))
    expect((await opensslVerify(mail.chainPem, ecdsa, ['-x509_strict', '-purpose', 'smimesign'])).ok).toBe(true)
  })

  it('signs a CSR made by openssl without ever seeing the key', async () => {
    const dir = tempDir()
    const csr = path.join(dir, 'app.csr')
    const made = await sh('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-subj', '/CN=app.localhost', '-addext', 'subjectAltName=DNS:app.localhost,IP:127.0.0.1', '-out', csr])
    expect(made.code).toBe(0)
    const leaf = await signCsr(ecdsa, readFileSync(csr, 'utf8'))
    expect(leaf.keyPem).toBeUndefined()
    expect(leaf.names.map((n) => n.value)).toEqual(['app.localhost', '127.0.0.1'])
    expect((await opensslVerify(leaf.chainPem, ecdsa, ['-x509_strict', '-purpose', 'sslserver', '-verify_ip', '127.0.0.1'])).ok).toBe(true)
  })

  it('puts critical name constraints on both the root and the intermediate', async () => {
    for (const file of [ecdsa.paths.rootCert, ecdsa.paths.intermediateCert(ecdsa.meta.intermediate.id)]) {
      const text = (await sh('openssl', ['x509', '-noout', '-text', '-in', file])).stdout
      expect(text).toMatch(/X509v3 Name Constraints: critical/)
      expect(text).toMatch(/DNS:localhost/)
      expect(text).toMatch(/IP:127\.0\.0\.0\/255\.0\.0\.0/)
    }
  })

  it('refuses to sign example.com under a constrained root', async () => {
    await expect(issueLeaf(ecdsa, parseNames(['example.com']))).rejects.toMatchObject({code: 'NAME_NOT_ALLOWED'})
  })

  it('makes openssl reject an example.com leaf forced through the constrained CA (permitted subtree violation)', async () => {
    for (const [dns, ips] of [[['example.com'], []], [['ok.localhost', 'evil.example.org'], []], [['ok.localhost'], ['8.8.8.8']]] as const) {
      const result = await opensslVerify(await forceLeaf(ecdsa, [...dns], [...ips]), ecdsa, ['-x509_strict'])
      expect(result.ok).toBe(false)
      expect(result.output).toMatch(/permitted subtree violation/)
    }
  })

  it('lets an unconstrained CA sign example.com, and openssl accepts it', async () => {
    const leaf = await issueLeaf(open, parseNames(['example.com']))
    expect((await opensslVerify(leaf.chainPem, open, ['-x509_strict', '-purpose', 'sslserver'])).ok).toBe(true)
  })

  it('writes leaves with SAN, CN = first name, serverAuth, SHA-256, a 128-bit serial and a back-dated notBefore', async () => {
    const before = Date.now()
    const leaf = await issueLeaf(ecdsa, parseNames(['app.localhost', '::1']), {days: 30})
    const x509 = await loadX509()
    const cert = new x509.X509Certificate(leaf.certPem)
    expect(cert.subject).toContain('CN=app.localhost')
    expect((cert.signatureAlgorithm as unknown as {hash: {name: string}}).hash.name).toBe('SHA-256')
    expect(cert.serialNumber.replace(/^00/, '').length).toBe(32)
    expect(cert.notBefore.getTime()).toBeLessThan(before - 30 * 60_000)
    expect(cert.notAfter.getTime() - cert.notBefore.getTime()).toBe(30 * 86_400_000)
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension)!
    expect(san.names.items.map((n) => `${n.type}:${n.value}`)).toEqual(['dns:app.localhost', 'ip:::1'])
  })
})
