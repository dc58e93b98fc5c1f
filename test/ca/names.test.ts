import {existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {cli, tempDir} from '../support/env.js'
import {parseName, parseNames, wildcardWarnings} from '../../src/ca/names.js'
import {defaultPolicy, isAllowed} from '../../src/ca/policy.js'

describe('name parsing', () => {
  it.each([
    ['App.LocalHost.', {type: 'dns', value: 'app.localhost'}],
    ['*.app.localhost', {type: 'dns', value: '*.app.localhost'}],
    ['127.0.0.1', {type: 'ip', value: '127.0.0.1'}],
    ['[::1]', {type: 'ip', value: '::1'}],
    ['0:0:0:0:0:0:0:1', {type: 'ip', value: '::1'}],
    ['dev@App.localhost', {type: 'email', value: 'dev@app.localhost'}],
    ['spiffe://app.localhost/api', {type: 'uri', value: 'spiffe://app.localhost/api', host: 'app.localhost'}],
    ['bücher.localhost', {type: 'dns', value: 'xn--bcher-kva.localhost'}],
  ])('reads %s', (input, expected) => {
    expect(parseName(input)).toEqual(expected)
  })

  it.each([
    ['-bad.localhost', 'INVALID_NAME'],
    ['a..localhost', 'INVALID_NAME'],
    ['xn--zz.localhost', 'INVALID_NAME'],
    ['app.*.localhost', 'INVALID_NAME'],
    [`${'a'.repeat(64)}.localhost`, 'INVALID_NAME'],
    ['1.2.3.256', 'INVALID_IP'],
    ['::g', 'INVALID_IP'],
    ['@app.localhost', 'INVALID_EMAIL'],
    ['a b@app.localhost', 'INVALID_NAME'],
    ['http://', 'INVALID_URI'],
  ])('refuses %s with %s', (input, code) => {
    expect(() => parseName(input)).toThrow(expect.objectContaining({code}))
  })

  it.each([
    ['a\tb.localhost', '"a\\tb.localhost"'],
    ['app.localhost\n', '"app.localhost\\n"'],
    ['\u0000app.localhost', '"\\u0000app.localhost"'],
    ['app\u0085.localhost', '"app\\u0085.localhost"'],
    ['app\u007f.localhost', '"app\\u007f.localhost"'],
    ['a b.localhost', '"a b.localhost"'],
    ['app.\u00a0localhost', '"app.\\u00a0localhost"'],
    ['127.0.0.1\t', '"127.0.0.1\\t"'],
    ['dev@app.local\rhost', '"dev@app.local\\rhost"'],
    ['spiffe://app.localhost/a\tb', '"spiffe://app.localhost/a\\tb"'],
    // invisible characters IDNA maps to nothing: soft hyphen, zero-width space, word joiner, variation selector, CGJ
    ['a\u00adb.localhost', '"a\\u00adb.localhost"'],
    ['a\u200bb.localhost', '"a\\u200bb.localhost"'],
    ['a\u2060b.localhost', '"a\\u2060b.localhost"'],
    ['a\ufe0fb.localhost', '"a\\ufe0fb.localhost"'],
    ['a\u034fb.localhost', '"a\\u034fb.localhost"'],
    ['a\u{e0061}b.localhost', '"a\\u{e0061}b.localhost"'],
  ])('refuses %j (a control, invisible or inner whitespace character) and shows it escaped', (input, shown) => {
    expect(() => parseName(input)).toThrow(expect.objectContaining({code: 'INVALID_NAME', message: expect.stringContaining(`${shown} is not a valid name`), hint: expect.stringMatching(/without tabs, newlines, spaces or invisible characters/)}))
  })

  it('still trims spaces around a name', () => {
    expect(parseName('  app.localhost ')).toEqual({type: 'dns', value: 'app.localhost'})
  })

  it('refuses a control character in --allow-domain too', () => {
    expect(() => defaultPolicy(['dev\texample.com'])).toThrow(expect.objectContaining({code: 'INVALID_NAME'}))
  })

  it('drops duplicates and keeps order', () => {
    expect(parseNames(['b.localhost', 'a.localhost', 'B.localhost']).map((n) => n.value)).toEqual(['b.localhost', 'a.localhost'])
  })

  it('warns only for wildcards directly under a single-label name', () => {
    expect(wildcardWarnings(parseNames(['*.localhost', '*.app.localhost', '*.test']))).toHaveLength(2)
  })
})

describe('the default name policy', () => {
  const policy = defaultPolicy(['dev.example.com'])
  it.each([
    ['localhost', true], ['a.b.localhost', true], ['*.app.test', true], ['nas.home.arpa', true], ['x.dev.example.com', true],
    ['example.com', false], ['notlocalhost', false], ['localhost.evil.com', false], ['10.1.2.3', true], ['172.31.0.1', true],
    ['172.32.0.1', false], ['192.168.0.1', true], ['8.8.8.8', false], ['::1', true], ['fd00::1', true], ['2001:db8::1', false],
    ['me@app.localhost', true], ['me@gmail.com', false], ['spiffe://svc.internal/x', true], ['https://example.com/', false],
  ])('%s allowed: %s', (input, allowed) => {
    expect(isAllowed(policy, parseName(input))).toBe(allowed)
  })

  it('refuses an --allow-domain that is a public namespace (com, dev, co.uk), keeps private suffixes and real domains', () => {
    for (const broad of ['com', 'dev', 'app', 'co.uk', 'com.au', 'COM.']) expect(() => defaultPolicy([broad]), broad).toThrow(expect.objectContaining({code: 'DOMAIN_TOO_BROAD'}))
    expect(defaultPolicy(['lan', 'corp', 'dev.example.com', 'example.co.uk', 'team.dev']).domains).toEqual(expect.arrayContaining(['lan', 'corp', 'dev.example.com', 'example.co.uk', 'team.dev']))
  })

  it('refuses a wildcard as --allow-domain', () => {
    expect(() => defaultPolicy(['*.example.com'])).toThrow(expect.objectContaining({code: 'INVALID_NAME'}))
  })
})

describe('IP handling without node:net', async () => {
  const {ipFamily, canonicalIp, inCidr} = await import('../../src/lib/ip.js')
  const net = await import('node:net')
  it.each(['127.0.0.1', '0.0.0.0', '255.255.255.255', '01.2.3.4', '1.2.3', '256.1.1.1', '::1', '::', 'fe80::1', '2001:db8::1:0:0:1', '::ffff:1.2.3.4', '1::2::3', 'g::1', ':1', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8:9', 'localhost', '[::1]'])('agrees with net.isIP on %s', (text) => {
    expect(ipFamily(text)).toBe(net.isIP(text))
  })
  it('canonicalises IPv6 and matches CIDR ranges like net.BlockList', () => {
    expect(canonicalIp('0:0:0:0:0:0:0:1')).toBe('::1')
    const list = new net.BlockList()
    list.addSubnet('172.16.0.0', 12, 'ipv4')
    list.addSubnet('fc00::', 7, 'ipv6')
    for (const ip of ['172.15.255.255', '172.16.0.0', '172.31.255.255', '172.32.0.0', 'fc00::1', 'fdff::1', 'fe00::1', '::1']) {
      const expected = list.check(ip, net.isIP(ip) === 6 ? 'ipv6' : 'ipv4')
      expect(inCidr(ip, ip.includes(':') ? 'fc00::/7' : '172.16.0.0/12')).toBe(expected)
    }
  })
})

describe('the public issueCertificate takes names as text only', () => {
  it('refuses a pre-made name object (its URI, email or case would skip parsing) with INVALID_NAME and creates no CA', async () => {
    const {existsSync} = await import('node:fs')
    const path = await import('node:path')
    const {issueCertificate} = await import('../../src/index.js')
    const {tempDir} = await import('../support/env.js')
    const home = path.join(tempDir('localcert-objects-'), 'home')
    const forged = [{type: 'uri', value: 'https://bank.example.com/', host: 'app.localhost'}] as unknown as string[]
    await expect(issueCertificate(forged, {home})).rejects.toMatchObject({code: 'INVALID_NAME', hint: expect.stringContaining('as text')})
    await expect(issueCertificate(['https://bank.example.com/'], {home})).rejects.toMatchObject({code: 'NAME_NOT_ALLOWED'})
    expect(existsSync(path.join(home, 'ca'))).toBe(false)
  })
})

describe('localcert cert with a control character in a name', () => {
  it('refuses "a<TAB>b.localhost" instead of issuing ab.localhost, creating nothing', async () => {
    const work = tempDir('localcert-names-cli-')
    const home = path.join(work, 'home')
    const result = await cli(['cert', 'a\tb.localhost'], {home, cwd: work})
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('localcert: "a\\tb.localhost" is not a valid name: it contains a control character\n  → type the name again without tabs, newlines, spaces or invisible characters (a name copied from a file, a web page or a script may carry them)\n')
    expect(existsSync(home)).toBe(false)
    expect(readdirSync(work)).toEqual([])
    const json = await cli(['cert', '--json', 'ok.localhost', 'x\u0085.localhost'], {home, cwd: work})
    expect(JSON.parse(json.stdout).error).toMatchObject({code: 'INVALID_NAME', message: '"x\\u0085.localhost" is not a valid name: it contains a control character'})
  })
})
