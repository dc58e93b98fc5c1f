import {execFile} from 'node:child_process'
import {chmodSync, chownSync, lstatSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BLOCK_BEGIN, BLOCK_END} from '../../src/hosts/block.js'
import {BIN, cli, tempDir} from '../support/env.js'
import {readmeBlock} from '../support/readme.js'
import {isRoot, onLinux} from '../support/tools.js'

/** A temp hosts file holding `text`, and a CLI runner pointed at it. */
function hostsFile(text: string) {
  const dir = tempDir('localcert-hosts-')
  const file = path.join(dir, 'hosts')
  writeFileSync(file, text)
  const run = (...args: string[]) => cli(['hosts', ...args], {home: path.join(dir, 'home'), env: {LOCALCERT_HOSTS_FILE: file}})
  return {dir, file, run, read: () => readFileSync(file, 'utf8')}
}

const DEBIAN = '127.0.0.1\tlocalhost\n127.0.1.1\tdevbox\n\n# The following lines are desirable for IPv6 capable hosts\n::1     localhost ip6-localhost ip6-loopback\nff02::1 ip6-allnodes\n'

describe('localcert hosts on a hosts file of its own (LOCALCERT_HOSTS_FILE)', () => {
  it('adds each name to 127.0.0.1 and ::1 in one marked block at the end, and lists it', async () => {
    const hosts = hostsFile(DEBIAN)
    const added = await hosts.run('add', 'App.localhost', 'api.test')
    expect(added.code, added.stderr).toBe(0)
    expect(hosts.read()).toBe(`${DEBIAN}${BLOCK_BEGIN}\n127.0.0.1 app.localhost\n::1 app.localhost\n127.0.0.1 api.test\n::1 api.test\n${BLOCK_END}\n`)
    const listed = JSON.parse((await hosts.run('list', '--json')).stdout)
    expect(listed).toMatchObject({file: hosts.file, ours: ['app.localhost', 'api.test'], others: ['localhost', 'devbox', 'ip6-localhost', 'ip6-loopback']})
    expect((await hosts.run('list')).stdout).toMatch(/In the localcert block .*\n {2}app\.localhost\n {2}api\.test\nOther names pointing to loopback \(not ours/)
  })

  it('adds nothing twice, and leaves a name another line already points to loopback alone', async () => {
    const hosts = hostsFile(DEBIAN)
    await hosts.run('add', 'app.localhost')
    const once = hosts.read()
    const again = await hosts.run('add', '--json', 'app.localhost', 'APP.localhost.', 'localhost')
    expect(JSON.parse(again.stdout)).toMatchObject({added: [], alreadyPresent: ['app.localhost'], elsewhere: ['localhost'], written: false})
    expect(hosts.read()).toBe(once)
    await hosts.run('add', 'b.localhost')
    expect(hosts.read().match(/app\.localhost/g)).toHaveLength(2)
    expect(hosts.read()).toContain('::1 app.localhost\n127.0.0.1 b.localhost\n::1 b.localhost\n# localcert end\n')
  })

  it.each([
    ['a Debian file', DEBIAN],
    ['a CRLF file without a final newline', '127.0.0.1 localhost\r\n# keep this comment\r\n10.1.2.3 nas.lan'],
    ['a file without a final newline', '127.0.0.1 localhost'],
    ['an empty file', ''],
    ['a file whose last line is blank', '127.0.0.1 localhost\n\n'],
  ])('leaves %s byte-identical after add then remove', async (_what, text) => {
    const hosts = hostsFile(text)
    expect((await hosts.run('add', 'app.localhost', 'api.test')).code).toBe(0)
    expect(hosts.read().startsWith(text)).toBe(true)
    expect((await hosts.run('remove', 'app.localhost')).code).toBe(0)
    expect(hosts.read()).toContain('api.test')
    expect((await hosts.run('remove', 'api.test')).code).toBe(0)
    expect(hosts.read()).toBe(text)
  })

  it('writes into an empty file exactly the block the README shows for app.localhost', async () => {
    const hosts = hostsFile('')
    expect((await hosts.run('add', 'app.localhost')).code).toBe(0)
    expect(hosts.read()).toBe(readmeBlock('hosts-block').text)
  })

  it('writes CRLF lines into a CRLF file', async () => {
    const hosts = hostsFile('127.0.0.1 localhost\r\n')
    await hosts.run('add', 'app.localhost')
    expect(hosts.read()).toBe(`127.0.0.1 localhost\r\n${BLOCK_BEGIN}\r\n127.0.0.1 app.localhost\r\n::1 app.localhost\r\n${BLOCK_END}\r\n`)
  })

  it('keeps lines after a block in the middle of the file, and the block where it is', async () => {
    const hosts = hostsFile(`127.0.0.1 localhost\n${BLOCK_BEGIN}\n127.0.0.1 a.localhost\n::1 a.localhost\n${BLOCK_END}\n10.0.0.2 nas.lan\n`)
    await hosts.run('add', 'b.localhost')
    expect(hosts.read()).toBe(`127.0.0.1 localhost\n${BLOCK_BEGIN}\n127.0.0.1 a.localhost\n::1 a.localhost\n127.0.0.1 b.localhost\n::1 b.localhost\n${BLOCK_END}\n10.0.0.2 nas.lan\n`)
    await hosts.run('remove', 'a.localhost', 'b.localhost')
    expect(hosts.read()).toBe('127.0.0.1 localhost\n10.0.0.2 nas.lan\n')
  })

  it('keeps the file mode when it replaces the file', async () => {
    const hosts = hostsFile(DEBIAN)
    chmodSync(hosts.file, 0o640)
    await hosts.run('add', 'app.localhost')
    expect((await import('node:fs')).statSync(hosts.file).mode & 0o777).toBe(0o640)
  })

  it.each([
    ['a begin without an end', `${BLOCK_BEGIN}\n127.0.0.1 a.localhost\n`, /"# localcert begin" line without "# localcert end"/],
    ['an end without a begin', `127.0.0.1 localhost\n${BLOCK_END}\n`, /"# localcert end" line without "# localcert begin"/],
    ['two blocks', `${BLOCK_BEGIN}\n${BLOCK_END}\n${BLOCK_BEGIN}\n${BLOCK_END}\n`, /it has 2 "# localcert begin" and 2 "# localcert end" lines/],
    ['a foreign line inside', `${BLOCK_BEGIN}\n127.0.0.1 a.localhost\n10.0.0.9 a.localhost\n${BLOCK_END}\n`, /a line localcert did not write: "10\.0\.0\.9 a\.localhost"/],
    ['a comment inside', `${BLOCK_BEGIN}\n# mine\n${BLOCK_END}\n`, /a line localcert did not write: "# mine"/],
    ['an end before the begin', `${BLOCK_END}\n${BLOCK_BEGIN}\n`, /"# localcert end" comes before/],
  ])('refuses a block edited by hand (%s) and writes nothing', async (_what, text, message) => {
    const hosts = hostsFile(text)
    for (const args of [['add', 'b.localhost'], ['remove', 'a.localhost'], ['list']]) {
      const result = await hosts.run(...args)
      expect(result.code).toBe(1)
      expect(result.stderr).toMatch(/the localcert block in .* was edited by hand/)
      expect(result.stderr).toMatch(message)
      expect(result.stderr).toMatch(/→ open .* as administrator and make the lines between/)
      expect(hosts.read()).toBe(text)
    }
    expect(JSON.parse((await hosts.run('add', '--json', 'b.localhost')).stdout).error.code).toBe('HOSTS_BLOCK_EDITED')
  })

  it('refuses wildcards with the explanation, and IPs, and writes nothing', async () => {
    const hosts = hostsFile(DEBIAN)
    const wildcard = await hosts.run('add', '*.app.localhost')
    expect(wildcard.code).toBe(1)
    expect(wildcard.stderr).toMatch(/\*\.app\.localhost is a wildcard, and a hosts file cannot hold a wildcard: browsers resolve \*\.localhost themselves; `sudo apt install libnss-myhostname` .* for every program; or add each name you use/)
    expect((await hosts.run('add', '*.api.test')).stderr).toMatch(/\*\.api\.test is a wildcard, and a hosts file cannot hold a wildcard: run a local DNS resolver, e\.g\. dnsmasq with `address=\/test\/127\.0\.0\.1`/)
    const ip = await hosts.run('add', 'app.localhost', '127.0.0.1')
    expect(ip.stderr).toMatch(/127\.0\.0\.1 is not a host name/)
    const email = await hosts.run('add', 'dev@app.localhost')
    expect(email.stderr).toMatch(/is not a host name/)
    const tab = await hosts.run('add', 'a\tb.localhost')
    expect(tab.stderr).toContain('"a\\tb.localhost" is not a valid name')
    expect(hosts.read()).toBe(DEBIAN)
  })

  it('refuses a public name unless --force, since it would hide the real site', async () => {
    const hosts = hostsFile(DEBIAN)
    const refused = await hosts.run('add', 'example.com')
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/example\.com is outside the names this CA signs.*\n\s+→ .*--force/)
    expect(hosts.read()).toBe(DEBIAN)
    expect((await hosts.run('add', '--force', 'example.com')).code).toBe(0)
    expect(hosts.read()).toContain('127.0.0.1 example.com\n')
  })

  it('takes a domain the CA was created with (--allow-domain) without --force, but still refuses other public names', async () => {
    const hosts = hostsFile(DEBIAN)
    expect((await cli(['setup', '--no-trust', '--allow-domain', 'dev.example.com'], {home: path.join(hosts.dir, 'home')})).code).toBe(0)
    const allowed = await hosts.run('add', 'app.dev.example.com')
    expect(allowed.code, allowed.stderr).toBe(0)
    expect(hosts.read()).toContain('127.0.0.1 app.dev.example.com\n')
    const refused = await hosts.run('add', 'example.com')
    expect(refused.stderr).toMatch(/outside the names this CA signs \(localhost, test, internal, home\.arpa, local, dev\.example\.com\)/)
  })

  it('says which names it did not add when asked to remove them', async () => {
    const hosts = hostsFile(DEBIAN)
    const result = await hosts.run('remove', 'localhost')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/localhost is not in the localcert block .* \(localcert only removes what it added\)/)
    expect(hosts.read()).toBe(DEBIAN)
  })

  it('refuses an unwritable hosts file with PERMISSION_DENIED when no sudo can help, and writes nothing', async () => {
    const hosts = hostsFile(DEBIAN)
    chmodSync(hosts.dir, 0o755)
    chmodSync(hosts.file, 0o644)
    // as root, the file is unwritable only to another user: run the CLI as nobody, with a PATH holding no sudo
    const asNobody = isRoot() ? {uid: 65534, gid: 65534} : {}
    if (!isRoot()) chmodSync(hosts.file, 0o444)
    else chownSync(hosts.file, 0, 0)
    const result = await new Promise<{code: number; stdout: string; stderr: string}>((resolve) => {
      execFile(process.execPath, [BIN, 'hosts', 'add', '--yes', 'app.localhost'], {...asNobody, cwd: hosts.dir, env: {PATH: path.dirname(process.execPath), HOME: hosts.dir, LOCALCERT_HOSTS_FILE: hosts.file, LOCALCERT_HOME: path.join(hosts.dir, 'home')}}, (error, stdout, stderr) =>
        resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr}),
      )
    })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/cannot write .*hosts: it belongs to root, and neither sudo nor doas is installed\n\s+→ run the same localcert command as root/)
    expect(hosts.read()).toBe(DEBIAN)
  })
})

describe('the hosts file as bytes', () => {
  it('keeps bytes that are not UTF-8 outside the block exactly (a Latin-1 comment), through add and remove', async () => {
    const dir = tempDir('localcert-hosts-bytes-')
    const file = path.join(dir, 'hosts')
    const original = Buffer.concat([Buffer.from('127.0.0.1 localhost\n# caf'), Buffer.from([0xe9, 0xff, 0x00]), Buffer.from(' r\u00e9seau\n', 'utf8')])
    writeFileSync(file, original)
    const run = (...args: string[]) => cli(['hosts', ...args], {home: path.join(dir, 'home'), env: {LOCALCERT_HOSTS_FILE: file}})
    expect((await run('add', 'app.localhost')).code).toBe(0)
    expect(readFileSync(file).subarray(0, original.length).equals(original)).toBe(true)
    expect((await run('remove', 'app.localhost')).code).toBe(0)
    expect(readFileSync(file).equals(original)).toBe(true)
  })

  it('edits a symlinked hosts file at its target and keeps the link', async () => {
    const dir = tempDir('localcert-hosts-link-')
    const target = path.join(dir, 'static-hosts')
    const link = path.join(dir, 'hosts')
    writeFileSync(target, DEBIAN)
    symlinkSync(target, link)
    const run = (...args: string[]) => cli(['hosts', ...args], {home: path.join(dir, 'home'), env: {LOCALCERT_HOSTS_FILE: link}})
    expect((await run('add', 'app.localhost')).code).toBe(0)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(target, 'utf8')).toContain('127.0.0.1 app.localhost\n')
    expect((await run('remove', 'app.localhost')).code).toBe(0)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe(DEBIAN)
  })

  it('uninstall with a block edited by hand still removes the CA, leaves the hosts file byte for byte, and says why', async () => {
    const dir = tempDir('localcert-hosts-uninstall-')
    const file = path.join(dir, 'hosts')
    const edited = Buffer.from(`${DEBIAN}${BLOCK_BEGIN}\n127.0.0.1 app.localhost\n`)
    writeFileSync(file, edited)
    const home = path.join(dir, 'home')
    expect((await cli(['setup', '--no-trust'], {home})).code).toBe(0)
    const uninstall = await cli(['uninstall', '--yes'], {home, env: {LOCALCERT_HOSTS_FILE: file}})
    expect(uninstall.code).toBe(1)
    expect(uninstall.stdout).toContain(`Deleted ${home}.`)
    expect(uninstall.stdout).toMatch(/Left the hosts file as it is: .*\n {2}→ /)
    expect(readFileSync(file).equals(edited)).toBe(true)
  })
})

describe.skipIf(!onLinux('hosts add without the myhostname NSS module'))('hosts add on Linux without the myhostname NSS module', () => {
  it('offers libnss-myhostname when a .localhost name is added, and not for other names', async () => {
    const {myhostnameStatus} = await import('../../src/lib/myhostname.js')
    const {active, installed} = await myhostnameStatus()
    const hosts = hostsFile(DEBIAN)
    const localhost = await hosts.run('add', 'app.localhost')
    const test = await hosts.run('add', 'api.test')
    expect(test.stderr).not.toContain('libnss-myhostname')
    if (active) expect(localhost.stderr).not.toContain('libnss-myhostname')
    // installed but not enabled: the fix is nsswitch.conf, not installing it again
    else if (installed) expect(localhost.stderr).toContain('Tip: add `myhostname` after `files` on the `hosts:` line of /etc/nsswitch.conf')
    else expect(localhost.stderr).toContain('Tip: `sudo apt install libnss-myhostname`')
  })
})
