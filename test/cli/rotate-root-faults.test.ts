import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {parseRoot, type TrustRoot} from '../../src/trust/root.js'
import {BIN, cli, sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {holdSystemTrust, runsAsRoot, snapshotSystemTrust} from '../trust/support/real.js'
import {all, makeNssDb, neverNeither, pausingRotate, rootOf, verifiesWith, type Places} from './rotate-root-helpers.js'

// The faults of `localcert rotate --root`: Ctrl-C between steps, a store that fails, no terminal to ask. Built CLI
// as a child process, real NSS databases and the runtime bundle (the system store does not trust these CAs, so the
// rotation must leave it alone: the snapshot proves it).

const runsHere = runsAsRoot('localcert rotate --root faults') && hasTools('localcert rotate --root faults', 'certutil', 'openssl', 'keytool')

/** These tests wait for the machine-wide trust lock (other files' system tests) before they start. */
const LOCKED_TIMEOUT_MS = 600_000

const caJson = (home: string) => JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8'))
const stagedRoot = (home: string): TrustRoot => parseRoot(readFileSync(path.join(home, 'ca', 'staged-root', 'root.pem'), 'utf8'), 'the staged root')

/** A CA trusted in an NSS database in $HOME (plus `extraDbs`) and the runtime bundle, nowhere else. */
async function trustedCa(extraDbs: string[] = []) {
  const dir = tempDir('localcert-rotate-faults-')
  const home = path.join(dir, 'state')
  const userHome = path.join(dir, 'home')
  const nssdbs = [await makeNssDb(path.join(userHome, '.pki', 'nssdb')), ...(await Promise.all(extraDbs.map((name) => makeNssDb(path.join(dir, name)))))]
  const env = {HOME: userHome, SHELL: '/bin/bash', XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''}
  expect((await cli(['setup', '--no-trust'], {home, env})).code).toBe(0)
  const extra = nssdbs.slice(1).flatMap((db) => ['--nss-db', db])
  const trusted = await cli(['trust', 'install', '--stores', 'nss,runtimes', ...extra], {home, env})
  expect(trusted.code, trusted.stdout + trusted.stderr).toBe(0)
  const places: Places = {home, nssdbs, system: false}
  return {dir, home, env, places, extra, oldRoot: rootOf(home)}
}

describe.skipIf(!runsHere)('localcert rotate --root faults (built CLI, real NSS databases)', () => {
  it('Ctrl-C after the new root is installed, then after the switch: each stop leaves both roots trusted and a rerun goes on with the same new root', async () => {
    const release = await holdSystemTrust()
    try {
      const before = snapshotSystemTrust()
      const {dir, home, env, places, oldRoot} = await trustedCa()
      const pauseFile = path.join(dir, 'pause')

      const first = pausingRotate(['--root', '--yes', '--json'], {home, env, pauseFile})
      expect(await first.paused()).toBe('staged')
      first.resume()
      expect(await first.paused()).toBe('installed')
      first.kill('SIGINT')
      const stopped = await first.exited
      expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130)
      expect(JSON.parse(stopped.stdout).error).toMatchObject({code: 'INTERRUPTED', hint: expect.stringContaining('localcert rotate --root --yes')})
      const newRoot = stagedRoot(home)
      expect(caJson(home).root.fingerprint).toBe(oldRoot.fingerprint)
      const afterFirst = await neverNeither(oldRoot, newRoot, places)
      expect(all(afterFirst.old, true) && all(afterFirst.fresh, true), JSON.stringify(afterFirst)).toBe(true)

      const second = pausingRotate(['--root', '--yes', '--json'], {home, env, pauseFile})
      expect(await second.paused()).toBe('staged')
      // resumed from the staged root: no third root
      expect(stagedRoot(home).fingerprint).toBe(newRoot.fingerprint)
      second.resume()
      expect(await second.paused()).toBe('installed')
      second.resume()
      expect(await second.paused()).toBe('switched')
      second.kill('SIGINT')
      expect((await second.exited).code).toBe(130)
      expect(caJson(home)).toMatchObject({root: {fingerprint: newRoot.fingerprint}, retiring: oldRoot.fingerprint})
      const afterSecond = await neverNeither(oldRoot, newRoot, places)
      expect(all(afterSecond.old, true) && all(afterSecond.fresh, true), JSON.stringify(afterSecond)).toBe(true)

      const last = await cli(['rotate', '--root', '--yes', '--json'], {home, env})
      expect(last.code, last.stdout + last.stderr).toBe(0)
      expect(JSON.parse(last.stdout)).toMatchObject({completed: true, resumed: true, previousRoot: oldRoot.fingerprint, root: newRoot.fingerprint, steps: ['moved', 'removed']})
      const end = await neverNeither(oldRoot, newRoot, places)
      expect(all(end.old, false) && all(end.fresh, true), JSON.stringify(end)).toBe(true)
      expect(caJson(home).retiring).toBeUndefined()
      expect((await cli(['uninstall', '--yes'], {home, env})).code).toBe(0)
      expect(snapshotSystemTrust()).toBe(before)
    } finally {
      await release()
    }
  }, LOCKED_TIMEOUT_MS)

  it('a store that fails while the new root is installed stops before the switch with both roots trusted, says what to rerun, and the rerun finishes with the same new root', async () => {
    const release = await holdSystemTrust()
    try {
      const {dir, home, env, places, extra, oldRoot} = await trustedCa(['failing-nssdb'])
      // certutil refuses to add anything to that one database, as a read-only or locked database does
      const fakeBin = path.join(dir, 'bin')
      const certutil = path.join(fakeBin, 'certutil')
      mkdirSync(fakeBin, {recursive: true})
      writeFileSync(certutil, `#!/bin/sh\ncase " $* " in *" -A "*failing-nssdb*) echo "certutil: could not add certificate: SEC_ERROR_READ_ONLY: security library: read-only database." >&2; exit 255;; esac\nexec /usr/bin/certutil "$@"\n`)
      chmodSync(certutil, 0o755)
      const failed = await cli(['rotate', '--root', '--yes', '--json', ...extra], {home, env: {...env, PATH: `${fakeBin}:${process.env.PATH}`}})
      expect(failed.code, failed.stdout + failed.stderr).toBe(1)
      const report = JSON.parse(failed.stdout)
      const rerun = `localcert rotate --root --yes ${extra.join(' ')}`
      expect(report).toMatchObject({completed: false, failedAt: 'install', previousRoot: oldRoot.fingerprint, rerun})
      expect(report.installed.find((row: {location: string}) => row.location.includes('failing-nssdb'))).toMatchObject({status: 'failed', message: expect.stringContaining('read-only database'), hint: expect.stringContaining(rerun)})
      expect(caJson(home).root.fingerprint).toBe(oldRoot.fingerprint)
      const newRoot = stagedRoot(home)
      expect(newRoot.fingerprint).toBe(report.root)
      const {old, fresh} = await neverNeither(oldRoot, newRoot, places)
      expect(all(old, true), JSON.stringify(old)).toBe(true)
      expect(fresh).toMatchObject({'nss nssdb': true, 'nss failing-nssdb': false})

      const human = await cli(['rotate', '--root', '--yes', ...extra], {home, env: {...env, PATH: `${fakeBin}:${process.env.PATH}`}})
      expect(human.code).toBe(1)
      expect(human.stdout).toContain(`Fix what failed, then run \`${rerun}\``)

      const rerunResult = await cli(['rotate', '--root', '--yes', '--json', ...extra], {home, env})
      expect(rerunResult.code, rerunResult.stdout + rerunResult.stderr).toBe(0)
      expect(JSON.parse(rerunResult.stdout)).toMatchObject({completed: true, resumed: true, root: newRoot.fingerprint})
      const end = await neverNeither(oldRoot, newRoot, places)
      expect(all(end.old, false) && all(end.fresh, true), JSON.stringify(end)).toBe(true)
      expect((await cli(['uninstall', '--yes', ...extra], {home, env})).code).toBe(0)
    } finally {
      await release()
    }
  }, LOCKED_TIMEOUT_MS)
})

describe.skipIf(!runsHere || !hasTools('localcert rotate --root on a terminal', 'script'))('localcert rotate --root on a terminal', () => {
  it('says which stores trust the current root and asks first; "no" changes nothing', async () => {
    const {home, env, places, oldRoot} = await trustedCa()
    const meta = readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')
    // script(1) gives the CLI a terminal; the answer is typed on it
    const asked = await sh('script', ['-qec', `${process.execPath} ${BIN} rotate --root`, '/dev/null'], {env: {...env, LOCALCERT_HOME: home}, input: 'n\n'})
    expect(asked.code, asked.stdout + asked.stderr).toBe(0)
    expect(asked.stdout).toContain(`wherever the current one ${oldRoot.fingerprint.slice(0, 16)}… is trusted:`)
    expect(asked.stdout).toContain(`nss: ${places.nssdbs[0]}`)
    expect(asked.stdout).toMatch(/Rotate the root now\? \[y\/N\][\s\S]*Nothing changed\./)
    expect(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')).toBe(meta)
    expect(existsSync(path.join(home, 'ca', 'staged-root'))).toBe(false)
    expect((await cli(['uninstall', '--yes'], {home, env})).code).toBe(0)
  })
})

describe.skipIf(!hasTools('localcert rotate --root killed mid-switch', 'openssl'))('localcert rotate --root killed in the middle of the switch', () => {
  it('with root.pem and the root key already replaced but not ca.json, the CA still signs with the root ca.json names, and a rerun finishes with the staged root', async () => {
    const dir = tempDir('localcert-rotate-switch-')
    const home = path.join(dir, 'state')
    expect((await cli(['setup', '--no-trust'], {home})).code).toBe(0)
    const oldRoot = rootOf(home)
    const rotate = pausingRotate(['--root', '--yes'], {home, env: {}, pauseFile: path.join(dir, 'pause')})
    expect(await rotate.paused()).toBe('staged')
    rotate.kill('SIGKILL')
    await rotate.exited
    // what the switch writes first, in its order, as a kill after them would leave it
    const ca = path.join(home, 'ca')
    const staged = path.join(ca, 'staged-root')
    mkdirSync(path.join(ca, 'retired'), {recursive: true})
    writeFileSync(path.join(ca, 'retired', `root-${oldRoot.fingerprint}.pem`), readFileSync(path.join(ca, 'root.pem')))
    writeFileSync(path.join(ca, 'root-key.pem'), readFileSync(path.join(staged, 'root-key.pem')), {mode: 0o600})
    writeFileSync(path.join(ca, 'root.pem'), readFileSync(path.join(staged, 'root.pem')))
    const newRoot = stagedRoot(home)
    expect(caJson(home).root.fingerprint).toBe(oldRoot.fingerprint)

    // a PKCS#12 file carries the root the CA hands out with its chain: still the one ca.json names (from ca/retired)
    const issued = await cli(['cert', '--p12-file', path.join(dir, 'mid.p12'), 'mid.localhost'], {home})
    expect(issued.code, issued.stderr).toBe(0)
    const bundled = await sh('openssl', ['pkcs12', '-in', path.join(dir, 'mid.p12'), '-nokeys', '-passin', 'pass:changeit'])
    expect(bundled.code, bundled.stderr).toBe(0)
    expect(await verifiesWith(bundled.stdout, oldRoot.pem, dir)).toBe(true)
    const flat = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '')
    expect(flat(bundled.stdout)).toContain(flat(oldRoot.pem))
    expect(flat(bundled.stdout)).not.toContain(flat(newRoot.pem))

    const finished = await cli(['rotate', '--root', '--yes', '--json'], {home})
    expect(finished.code, finished.stdout + finished.stderr).toBe(0)
    expect(JSON.parse(finished.stdout)).toMatchObject({completed: true, resumed: true, previousRoot: oldRoot.fingerprint, root: newRoot.fingerprint})
    expect(rootOf(home).fingerprint).toBe(newRoot.fingerprint)
    const after = await cli(['cert', '--cert-file', path.join(dir, 'after.pem'), '--key-file', path.join(dir, 'after-key.pem'), 'after.localhost'], {home})
    expect(after.code, after.stderr).toBe(0)
    expect(await verifiesWith(readFileSync(path.join(dir, 'after.pem'), 'utf8'), newRoot.pem, dir)).toBe(true)
  })
})

describe.skipIf(!hasTools('localcert rotate --root without a terminal', 'openssl'))('localcert rotate --root without a terminal', () => {
  it('refuses without --yes, says how to go on, and changes nothing; --reissue alone is refused too', async () => {
    const home = path.join(tempDir(), 'state')
    expect((await cli(['setup', '--no-trust'], {home})).code).toBe(0)
    const meta = readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')
    const refused = await cli(['rotate', '--root'], {home})
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(/there is no terminal to ask\n\s+→ run `localcert rotate --root --yes` to rotate without asking/)
    const alone = await cli(['rotate', '--reissue'], {home})
    expect(alone.code).toBe(1)
    expect(alone.stderr).toContain('--reissue goes with --root')
    expect(existsSync(path.join(home, 'ca', 'staged-root'))).toBe(false)
    expect(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8')).toBe(meta)
  })
})
