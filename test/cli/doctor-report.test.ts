import {describe, expect, it} from 'vitest'
import {formatDoctor} from '../../src/cli/doctor-report.js'
import type {DoctorReport} from '../../src/doctor/check.js'

const report: DoctorReport = {
  ok: false,
  checks: [
    {id: 'trust.nss', status: 'ok', found: 'trusts the current root', where: '/home/someone/.pki/nssdb'},
    {id: 'trust.java', status: 'fail', found: 'does not trust the current root', fix: 'localcert trust install --stores java', where: '/usr/lib/jvm/vendors/eclipse-adoptium/temurin-21.0.5+11-jdk-with-a-long-build-name/lib/security/cacerts'},
    {id: 'env.NODE_EXTRA_CA_CERTS', status: 'warn', found: "holds localcert's root, but not 2 CAs that SSL_CERT_FILE, REQUESTS_CA_BUNDLE name (Corp Root, Proxy CA): through a TLS-inspecting proxy, what reads it fails", fix: 'eval "$(localcert env)"', where: '/home/someone/.local/share/localcert/trust/roots.pem'},
  ],
}

describe('formatDoctor', () => {
  it.each([80, 100])('keeps every line within %i columns, a long path wrapped whole under its check (not elided)', (width) => {
    const text = formatDoctor(report, {width, colour: false})
    for (const line of text.split('\n')) expect(line.length, line).toBeLessThanOrEqual(width)
    const javaLines = text.slice(text.indexOf('✗ trust.java'), text.indexOf('! env.')).split('\n')
    expect(javaLines.map((line) => line.trim()).join('')).toContain('[/usr/lib/jvm/vendors/eclipse-adoptium/temurin-21.0.5+11-jdk-with-a-long-build-name/lib/security/cacerts]')
    expect(text).toMatch(/^ {2}✗ localcert trust install --stores java {3}\(trust\.java\)$/m)
  })
})
