import {chmodSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, describe, expect, it} from 'vitest'
import {browserCommand} from '../../src/doctor/browser.js'
import {cli, sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'

// `localcert doctor --browser` with a real browser: $BROWSER names a script that runs headless Chromium on the URL,
// with a throw-away $HOME whose NSS database trusts our root (or does not). Chromium resolves *.localhost itself.

let dir: string
let home: string

/** A user home whose NSS database (what Chromium on Linux trusts) holds our root when `trusting`. */
async function userHome(name: string, trusting: boolean): Promise<string> {
  const userDir = path.join(dir, name)
  const nssdb = path.join(userDir, '.pki', 'nssdb')
  mkdirSync(nssdb, {recursive: true})
  expect((await sh('certutil', ['-N', '--empty-password', '-d', `sql:${nssdb}`])).code).toBe(0)
  if (trusting) expect((await sh('certutil', ['-A', '-n', 'localcert-test', '-t', 'C,,', '-i', path.join(home, 'ca', 'root.pem'), '-d', `sql:${nssdb}`])).code).toBe(0)
  return userDir
}

/** What $BROWSER runs: headless Chromium loading the page once (it dumps the DOM and exits), its errors into $BROWSER_LOG. */
function browserScript(): string {
  const file = path.join(dir, 'headless-browser.sh')
  const profiles = path.join(dir, 'profiles')
  mkdirSync(profiles, {recursive: true})
  writeFileSync(file, `#!/bin/sh\nexec timeout 60 chromium --headless=new --no-sandbox --disable-gpu --user-data-dir="$(mktemp -d "${profiles}/p-XXXXXX")" --dump-dom "$1" >/dev/null 2>>"$BROWSER_LOG"\n`)
  chmodSync(file, 0o755)
  return file
}

const doctorBrowser = (userDir: string, args: string[]) => cli(['doctor', '--browser', ...args], {home, cwd: dir, env: {HOME: userDir, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', XDG_CACHE_HOME: '', BROWSER: browserScript(), BROWSER_LOG: path.join(userDir, 'chromium.log')}})

describe.skipIf(!hasTools('localcert doctor --browser', 'chromium', 'certutil', 'timeout'))('localcert doctor --browser with headless Chromium', () => {
  beforeAll(async () => {
    dir = tempDir('localcert-doctor-browser-')
    home = path.join(dir, 'localcert')
    expect((await cli(['setup', '--no-trust'], {home, cwd: dir})).code).toBe(0)
  })

  it('a browser that trusts the root loads https://localcert.localhost:PORT and calls back: "✓ your browser trusts localcert", exit code 0', async () => {
    const result = await doctorBrowser(await userHome('trusting', true), ['--timeout', '60'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout.split('\n')[0]).toBe('✓ your browser trusts localcert')
    expect(result.stderr).toMatch(/^Opening https:\/\/localcert\.localhost:\d+\/ in your browser/m)
    // its throw-away leaf is signed with the CA key, so the audit log has it
    const signed = readFileSync(path.join(home, 'audit.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line))
    expect(signed.filter((line) => line.purpose === 'browser-check')).toMatchObject([{event: 'issued', via: 'cli', names: ['localcert.localhost']}])

    const json = await doctorBrowser(await userHome('trusting-json', true), ['--timeout', '60', '--json'])
    expect(json.code, json.stderr).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({checks: [{id: 'browser', status: 'ok', found: expect.stringMatching(/^your browser loaded https:\/\/localcert\.localhost:\d+\/ over HTTPS: it trusts localcert's root \(HeadlessChrome [\d.]+\)$/)}], ok: true})
  })

  it('a browser whose store lacks the root never loads the page: the check fails with `localcert trust install`, exit code 1', async () => {
    const userDir = await userHome('not-trusting', false)
    const result = await doctorBrowser(userDir, ['--timeout', '8', '--json'])
    expect(result.code).toBe(1)
    // the browser did run, and stopped at the certificate: the page was never seen for that reason
    expect(readFileSync(path.join(userDir, 'chromium.log'), 'utf8')).toContain('ERR_CERT_AUTHORITY_INVALID')
    expect(JSON.parse(result.stdout)).toEqual({
      checks: [{id: 'browser', status: 'fail', found: expect.stringMatching(/^the browser did not load https:\/\/localcert\.localhost:\d+\/ within 8 s: it does not trust localcert's root/), fix: 'localcert trust install'}],
      ok: false,
    })
  })
})

describe('how doctor --browser opens the default browser', () => {
  const url = 'https://localcert.localhost:4321/'
  it('xdg-open on Linux, open on macOS, cmd /c start "" on Windows', () => {
    expect(browserCommand(url, 'linux', {})).toEqual({command: 'xdg-open', args: [url]})
    expect(browserCommand(url, 'freebsd', {})).toEqual({command: 'xdg-open', args: [url]})
    expect(browserCommand(url, 'darwin', {})).toEqual({command: 'open', args: [url]})
    expect(browserCommand(url, 'win32', {})).toEqual({command: 'cmd', args: ['/c', 'start', '', url]})
  })

  it('honours $BROWSER first: its first entry, the URL where it says %s, else at the end', () => {
    expect(browserCommand(url, 'darwin', {BROWSER: 'firefox'})).toEqual({command: 'firefox', args: [url]})
    expect(browserCommand(url, 'linux', {BROWSER: 'chromium --incognito %s:firefox'})).toEqual({command: 'chromium', args: ['--incognito', url]})
    expect(browserCommand(url, 'win32', {BROWSER: 'C:\\Tools\\browser.exe;other'})).toEqual({command: 'C:\\Tools\\browser.exe', args: [url]})
    expect(browserCommand(url, 'linux', {BROWSER: ''})).toEqual({command: 'xdg-open', args: [url]})
  })
})
