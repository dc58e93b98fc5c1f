import {chmodSync, mkdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {randomBytes} from 'node:crypto'
import {describe, expect, it} from 'vitest'
import {SUDO_WRITE_SCRIPT} from '../../src/hosts/file.js'
import {hostsLineHasMyhostname, myhostnameStatus} from '../../src/lib/myhostname.js'
import {isLoopback} from '../../src/lib/ip.js'
import {parseNames} from '../../src/ca/names.js'
import {resolutionAdvice, unresolvedNames, type Lookup, type Unresolved} from '../../src/lib/resolve.js'
import {cli, sh, tempDir} from '../support/env.js'

const table: Record<string, string[]> = {'app.localhost': ['127.0.0.1', '::1'], 'far.test': ['192.0.2.7', '127.0.0.1']}
const fakeLookup: Lookup = async (name) => {
  if (name.endsWith('.slow.test')) return new Promise(() => {})
  if (name.endsWith('.mapped.localhost')) return ['::ffff:127.0.0.1']
  if (!table[name]) throw Object.assign(new Error('ENOTFOUND'), {code: 'ENOTFOUND'})
  return table[name]
}

describe('which names reach this machine', () => {
  it('reports names that do not resolve, resolve elsewhere or time out; skips IPs, emails and URIs', async () => {
    const found = await unresolvedNames(parseNames(['app.localhost', 'nope.test', 'far.test', 'x.slow.test', '127.0.0.1', '::1', 'dev@nope.test', 'spiffe://nope.test/a', 'NOPE.test.']), {lookup: fakeLookup, timeoutMs: 50})
    expect(found).toEqual([
      {name: 'nope.test', reason: 'not-found', addresses: []},
      {name: 'far.test', reason: 'not-loopback', addresses: ['192.0.2.7']},
      {name: 'x.slow.test', reason: 'timed-out', addresses: []},
    ])
  })

  it('checks a wildcard through a random name under it', async () => {
    expect(await unresolvedNames(parseNames(['*.mapped.localhost', '*.app.localhost']), {lookup: fakeLookup})).toEqual([{name: '*.app.localhost', reason: 'wildcard', addresses: []}])
  })

  it('uses the system resolver: localhost and /etc/hosts names resolve, a random .test name does not', async () => {
    const nope = `nope-${randomBytes(4).toString('hex')}.test`
    expect(await unresolvedNames(parseNames(['localhost', nope]))).toEqual([{name: nope, reason: 'not-found', addresses: []}])
  })

  it.each([['127.0.0.1', true], ['127.8.9.10', true], ['::1', true], ['::ffff:127.0.0.1', true], ['::ffff:7f00:1', true], ['10.0.0.1', false], ['::ffff:10.0.0.1', false], ['::2', false], ['not-an-ip', false]])('isLoopback(%s) is %s', (address, expected) => {
    expect(isLoopback(address)).toBe(expected)
  })

  it('advises `localcert hosts add`, and libnss-myhostname for *.localhost on Linux when it is not active', () => {
    const unresolved: Unresolved[] = [
      {name: 'app.localhost', reason: 'not-found', addresses: []},
      {name: 'api.test', reason: 'not-loopback', addresses: ['192.0.2.7']},
      {name: '*.app.localhost', reason: 'wildcard', addresses: []},
      {name: '*.api.test', reason: 'wildcard', addresses: []},
    ]
    const linux = resolutionAdvice(unresolved, 'linux', {configured: false, installed: false, active: false})
    expect(linux[0]).toMatch(/^app\.localhost does not resolve: browsers reach it .* Fix: `localcert hosts add app\.localhost`, or `sudo apt install libnss-myhostname`/)
    expect(linux[1]).toBe('api.test resolves to 192.0.2.7, not to this machine: no program on this machine reaches it by name. Fix: `localcert hosts add api.test`')
    expect(linux[2]).toMatch(/^\*\.app\.localhost .* a hosts file cannot hold a wildcard: browsers resolve \*\.localhost themselves; `sudo apt install libnss-myhostname`/)
    expect(linux[3]).toMatch(/dnsmasq with `address=\/test\/127\.0\.0\.1`/)
    const enabled = resolutionAdvice(unresolved, 'linux', {configured: false, installed: true, active: false})
    expect(enabled[0]).toMatch(/add `myhostname` after `files` on the `hosts:` line of \/etc\/nsswitch\.conf/)
    for (const line of [...resolutionAdvice(unresolved, 'darwin'), ...resolutionAdvice(unresolved, 'linux', {configured: true, installed: true, active: true})]) expect(line).not.toMatch(/myhostname/)
  })
})

describe('libnss-myhostname detection', () => {
  it.each([
    ['hosts:          files dns\n', false],
    ['hosts: files myhostname dns\n', true],
    ['hosts: files [NOTFOUND=return] myhostname\n', true],
    ['hosts: files dns # myhostname\n', false],
    ['#hosts: files myhostname\nhosts: files dns\n', false],
    ['passwd: myhostname\nhosts: files\n', false],
  ])('%j lists myhostname: %s', (text, expected) => {
    expect(hostsLineHasMyhostname(text)).toBe(expected)
  })

  it('needs the nsswitch line and the module in a multiarch lib directory', async () => {
    const dir = tempDir('localcert-nss-')
    writeFileSync(path.join(dir, 'nsswitch.conf'), 'hosts: files myhostname dns\n')
    mkdirSync(path.join(dir, 'lib', 'aarch64-linux-gnu'), {recursive: true})
    const options = {platform: 'linux' as const, nsswitchFile: path.join(dir, 'nsswitch.conf'), libRoots: [path.join(dir, 'lib')]}
    expect(await myhostnameStatus(options)).toEqual({configured: true, installed: false, active: false})
    writeFileSync(path.join(dir, 'lib', 'aarch64-linux-gnu', 'libnss_myhostname.so.2'), '')
    expect(await myhostnameStatus(options)).toEqual({configured: true, installed: true, active: true})
    expect(await myhostnameStatus({...options, platform: 'darwin'})).toEqual({configured: false, installed: false, active: false})
  })

  it('reads this machine: its nsswitch.conf, and the module wherever the dynamic linker has it (ldconfig -p)', async () => {
    const here = await myhostnameStatus()
    expect(here.configured).toBe(hostsLineHasMyhostname(readFileSync('/etc/nsswitch.conf', 'utf8')))
    // an oracle of its own, not the directory walk under test: glibc's loader cache lists the NSS modules it can load
    const cache = await sh('sh', ['-c', 'PATH="$PATH:/sbin:/usr/sbin" ldconfig -p'])  // /sbin is off a user's PATH on Debian
    expect(cache.code, cache.stderr).toBe(0)
    expect(here.installed).toBe(/\blibnss_myhostname\.so\.2\b/.test(cache.stdout))
    expect(here.active).toBe(here.configured && here.installed)
  })
})

describe('the script sudo runs', () => {
  it('replaces the file with stdin, keeping its mode, and leaves no temp file', async () => {
    const dir = tempDir('localcert-hosts-script-')
    const file = path.join(dir, 'hosts')
    writeFileSync(file, 'old\n')
    chmodSync(file, 0o604)
    const before = statSync(file)
    const result = await sh('sh', ['-c', SUDO_WRITE_SCRIPT, 'localcert-hosts', file], {input: 'new\r\nlines'})
    expect(result.code, result.stderr).toBe(0)
    expect(readFileSync(file, 'utf8')).toBe('new\r\nlines')
    expect(statSync(file).mode & 0o7777).toBe(0o604)
    expect(statSync(file).ino).not.toBe(before.ino)
    expect((await import('node:fs')).readdirSync(dir)).toEqual(['hosts'])
  })
})

describe('localcert cert warns about names that do not reach this machine', () => {
  const home = path.join(tempDir('localcert-resolve-cli-'), 'home')
  const nope = `nope-${randomBytes(4).toString('hex')}.test`

  it('warns on stderr with the fix for an unresolvable name, not for localhost or 127.0.0.1', async () => {
    const result = await cli(['cert', nope, 'localhost', '127.0.0.1'], {home})
    expect(result.code, result.stderr).toBe(0)
    expect(result.stderr).toContain(`Warning: ${nope} does not resolve: no program on this machine reaches it by name. Fix: \`localcert hosts add ${nope}\``)
    expect(result.stderr.match(/^Warning: /gm)).toHaveLength(1)
    const quiet = await cli(['cert', 'localhost', '127.0.0.1'], {home})
    expect(quiet.stderr).not.toMatch(/Warning/)
  })

  it('carries the warnings in --json without breaking the JSON', async () => {
    const result = await cli(['cert', '--json', nope], {home})
    const summary = JSON.parse(result.stdout)
    expect(summary.names).toEqual([nope])
    expect(summary.warnings).toEqual([expect.stringContaining(`\`localcert hosts add ${nope}\``)])
  })
})
