import {execFileSync} from 'node:child_process'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {positiveIntegerContent} from '../../src/lib/der.js'
import {firstLine, lastLine} from '../../src/lib/exec.js'
import {sha256Hex} from '../../src/lib/hash.js'
import {bracketHost, hostOfHeader, hostPort, unbracketHost} from '../../src/lib/host.js'
import {pemBlocks, pemToDer, toPem} from '../../src/lib/pem.js'
import {tempDir} from '../support/env.js'

describe('lib/pem', () => {
  it('writes PEM that openssl reads, and reads back the DER openssl wrote (RFC 7468)', () => {
    const dir = tempDir('localcert-pem-')
    const der = path.join(dir, 'cert.der')
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'key.pem'), '-subj', '/CN=pem.localhost', '-days', '1', '-outform', 'DER', '-out', der], {stdio: 'pipe'})
    const bytes = readFileSync(der)
    const pem = toPem(bytes)
    expect(pem.split('\n').slice(1, -2).every((line) => line.length <= 64)).toBe(true)
    expect(pem.endsWith('-----END CERTIFICATE-----\n')).toBe(true)
    const fromOpenssl = execFileSync('openssl', ['x509', '-inform', 'DER', '-in', der], {encoding: 'utf8'})
    expect(pem).toBe(fromOpenssl)
    expect(pemToDer(pemBlocks(`junk\n${fromOpenssl}more junk\n${fromOpenssl}`)[1]!).equals(bytes)).toBe(true)
    expect(execFileSync('openssl', ['x509', '-noout', '-subject'], {input: toPem(bytes), encoding: 'utf8'})).toContain('pem.localhost')
  })

  it('labels other blocks as asked and finds no certificate in a text without one', () => {
    expect(toPem(Buffer.from([1, 2, 3]), 'PRIVATE KEY')).toBe('-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n')
    expect(pemBlocks('-----BEGIN PRIVATE KEY-----\nAQID\n-----END PRIVATE KEY-----\n')).toEqual([])
  })
})

describe('lib/hash and lib/der', () => {
  it('sha256Hex agrees with openssl dgst', () => {
    const data = Buffer.from('localcert')
    expect(sha256Hex(data)).toBe(execFileSync('openssl', ['dgst', '-sha256', '-r'], {input: data, encoding: 'utf8'}).split(' ')[0])
    expect(sha256Hex('localcert')).toBe(sha256Hex(data))
  })

  it('encodes positive integers the X.690 way: no superfluous zero, one zero before a set top bit', () => {
    const hex = (text: string) => positiveIntegerContent(Buffer.from(text, 'hex')).toString('hex')
    expect(hex('00007f')).toBe('7f')
    expect(hex('80')).toBe('0080')
    expect(hex('000080')).toBe('0080')
    expect(hex('00')).toBe('00')
    expect(hex('0102')).toBe('0102')
  })
})

describe('lib/host', () => {
  it('brackets IPv6 and nothing else, and takes a Host header apart', () => {
    expect(bracketHost('::1')).toBe('[::1]')
    expect(bracketHost('127.0.0.1')).toBe('127.0.0.1')
    expect(bracketHost('app.localhost')).toBe('app.localhost')
    expect(unbracketHost('[fe80::1]')).toBe('fe80::1')
    expect(unbracketHost('::1')).toBe('::1')
    expect(hostPort('::1', 8555)).toBe('[::1]:8555')
    expect(hostPort('app.localhost', 80, 80)).toBe('app.localhost')
    expect(hostPort('::1', 443, 443)).toBe('[::1]')
    expect(hostOfHeader('[::1]:8555')).toBe('[::1]')
    expect(hostOfHeader('localhost:8555')).toBe('localhost')
    expect(hostOfHeader('localhost')).toBe('localhost')
  })
})

describe('lib/exec output lines', () => {
  it('first line prefers stderr, last line reads the verdict at the end, both fall back to the exit code', () => {
    expect(firstLine({stdout: 'out\n', stderr: 'err one\nerr two\n', exitCode: 2})).toBe('err one')
    expect(firstLine({stdout: 'out one\nout two', stderr: '', exitCode: 2})).toBe('out one')
    expect(firstLine({stdout: '', stderr: '  ', exitCode: 3})).toBe('exit 3')
    expect(lastLine({stdout: 'leaf.pem: OK\n', stderr: '', exitCode: 0})).toBe('leaf.pem: OK')
    expect(lastLine({stdout: 'a\n', stderr: 'error 20 at 0 depth lookup\n', exitCode: 2})).toBe('error 20 at 0 depth lookup')
    expect(lastLine({stdout: '', stderr: '', exitCode: 1})).toBe('exit 1')
  })
})
