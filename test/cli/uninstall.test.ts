import {existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {httpsOptions} from '../../src/api/dev-server.js'
import {sh, tempDir} from '../support/env.js'
import {fakeSystemd} from '../support/fake-systemd.js'
import {serveEndpoint} from '../support/serve.js'
import {hasTools, onLinux} from '../support/tools.js'

/**
 * A machine for `localcert uninstall`: a state directory with a CA, a $HOME of its own, and a fake `systemctl` first
 * on PATH (test/support/fake-systemd.ts) that logs its calls. Like systemd, its `disable --now` stops the service:
 * it logs whether the CA still exists at that moment and returns, and a second later (as `--no-block` would) sends
 * SIGTERM to the pid in `<root>/service.pid`, so an uninstall that does not wait for the endpoint is caught.
 */
async function uninstallMachine(options: {noBus?: boolean} = {}) {
  const root = tempDir('localcert-uninstall-')
  const box = fakeSystemd(root, {noBus: options.noBus, onDisable: `if [ -f '${path.join(root, 'state')}/ca/root.pem' ]; then echo "(the CA is still there)" >> '${path.join(root, 'systemctl.log')}'; fi; { sleep 1; kill -TERM "$(cat "$ROOT/service.pid")"; } >/dev/null 2>&1 & :`})
  const {localcertHome: home, run} = box
  const setup = await run('setup', '--no-trust', '--json')
  expect(setup.code, setup.stderr).toBe(0)
  return {
    root,
    home,
    run,
    unit: box.unit,
    calls: box.calls,
    /** Who systemd would stop: the `localcert serve` the login service runs. */
    serviceRuns: (pid: number) => writeFileSync(path.join(root, 'service.pid'), `${pid}\n`),
  }
}

/** Every file and directory under `dir` with its size and modification time: "nothing deleted, nothing changed". */
function tree(dir: string): string[] {
  return readdirSync(dir, {recursive: true, encoding: 'utf8'}).sort().map((entry) => {
    const info = statSync(path.join(dir, entry))
    return `${entry} ${info.isDirectory() ? 'dir' : info.size} ${info.mtimeMs}`
  })
}

describe.skipIf(!onLinux('localcert uninstall and a running endpoint') || !hasTools('localcert uninstall', 'curl'))('localcert uninstall and a running endpoint (built CLI)', () => {
  it('refuses while a `localcert serve` started by hand runs (ENDPOINT_RUNNING in --json, exit 1) and deletes nothing; the endpoint keeps serving', async () => {
    const machine = await uninstallMachine()
    const endpoint = await serveEndpoint(machine.home)
    try {
      const before = tree(machine.home)
      const refused = await machine.run('uninstall', '--yes', '--json')
      expect(refused.code).toBe(1)
      expect(JSON.parse(refused.stdout)).toEqual({
        error: {
          code: 'ENDPOINT_RUNNING',
          message: `an ACME endpoint from this CA is running (pid ${endpoint.pid}, ${endpoint.directoryUrl})`,
          hint: `stop it first (a login service: \`localcert service uninstall\`; otherwise stop \`localcert serve\`, pid ${endpoint.pid}), then run \`localcert uninstall\` again`,
        },
      })
      expect(tree(machine.home)).toEqual(before)
      expect(machine.calls()).not.toContainEqual(expect.stringContaining('disable'))
      const directory = await sh('curl', ['-sS', '--fail', '--cacert', endpoint.rootFile, endpoint.directoryUrl])
      expect(directory.code, directory.stderr).toBe(0)
    } finally {
      expect(await endpoint.stop()).toBe(0)
    }
  })

  it('stops the login service first (systemctl --user disable --now while the CA still exists), waits for its endpoint to go, then deletes everything', async () => {
    const machine = await uninstallMachine()
    const installed = await machine.run('service', 'install')
    expect(installed.code, installed.stderr).toBe(0)
    expect(existsSync(machine.unit)).toBe(true)
    // the endpoint the service runs (systemd would have started it, with the unit's marker in its environment)
    const endpoint = await serveEndpoint(machine.home, {env: {LOCALCERT_SERVICE: '1'}})
    machine.serviceRuns(endpoint.pid)
    const callsBefore = machine.calls().length

    const result = await machine.run('uninstall', '--yes', '--json')
    expect(result.code, result.stdout + result.stderr).toBe(0)
    expect(result.stderr).toContain(`Stopped and removed the login service (${machine.unit}).`)
    expect(machine.calls().slice(callsBefore)).toEqual(['--user is-active localcert.service', '--user disable --now localcert.service', '(the CA is still there)', '--user daemon-reload'])
    // the service's `localcert serve`, stopped by the service manager's late SIGTERM (uninstall waited for it: without
    // the wait it finds the endpoint still running and refuses), exited cleanly
    expect(await endpoint.stop()).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({home: machine.home, homeRemoved: true, leftInPlace: []})
    expect(existsSync(machine.home)).toBe(false)
    expect(existsSync(machine.unit)).toBe(false)
  })

  it('a `localcert serve` started by hand beside an installed, running login service: refused before anything changes (the service stays installed and running)', async () => {
    const machine = await uninstallMachine()
    expect((await machine.run('service', 'install')).code).toBe(0)
    const endpoint = await serveEndpoint(machine.home)
    try {
      const before = tree(machine.home)
      const callsBefore = machine.calls().length
      const refused = await machine.run('uninstall', '--yes', '--json')
      expect(refused.code).toBe(1)
      expect(JSON.parse(refused.stdout).error).toMatchObject({code: 'ENDPOINT_RUNNING', message: `an ACME endpoint from this CA is running (pid ${endpoint.pid}, ${endpoint.directoryUrl})`})
      expect(machine.calls().slice(callsBefore)).toEqual(['--user is-active localcert.service'])
      expect(existsSync(machine.unit)).toBe(true)
      expect(tree(machine.home)).toEqual(before)
      const status = await machine.run('service', 'status')
      expect(status.stdout).toContain(`  endpoint: ${endpoint.directoryUrl} (pid ${endpoint.pid}, started by hand with \`localcert serve\`)`)
    } finally {
      expect(await endpoint.stop()).toBe(0)
    }
  })
  it('the login service\'s endpoint while systemctl cannot be reached: refused before anything changes, saying what to run', async () => {
    const machine = await uninstallMachine({noBus: true})
    expect((await machine.run('service', 'install')).code).toBe(0)
    const endpoint = await serveEndpoint(machine.home, {env: {LOCALCERT_SERVICE: '1'}})
    try {
      const before = tree(machine.home)
      const refused = await machine.run('uninstall', '--yes', '--json')
      expect(refused.code).toBe(1)
      expect(JSON.parse(refused.stdout).error).toEqual({
        code: 'ENDPOINT_RUNNING',
        message: `the login service runs an ACME endpoint from this CA (pid ${endpoint.pid}), and systemd cannot be reached to stop it (Failed to connect to bus: No medium found)`,
        hint: 'run `localcert service uninstall` from a login session (or stop that pid), then `localcert uninstall` again',
      })
      expect(existsSync(machine.unit)).toBe(true)
      expect(tree(machine.home)).toEqual(before)
    } finally {
      expect(await endpoint.stop()).toBe(0)
    }
  })
})

describe.skipIf(!onLinux('localcert uninstall: which stores'))('localcert uninstall: which stores, and whether the CA stays (built CLI)', () => {
  it('--keep-ca removes the trust (runtime bundle, profile line) but keeps the CA and its keys, says what stayed, and the same root signs again', async () => {
    const machine = await uninstallMachine()
    const rootBefore = readFileSync(path.join(machine.home, 'ca', 'root.pem'), 'utf8')
    expect((await machine.run('trust', 'install', '--stores', 'runtimes', '--shell-profile', '--json')).code).toBe(0)
    const bashrc = path.join(machine.root, 'home', '.bashrc')
    expect(readFileSync(bashrc, 'utf8')).toContain('# added by localcert')

    const result = await machine.run('uninstall', '--yes', '--keep-ca', '--stores', 'runtimes')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`Kept ${machine.home} (--keep-ca): audit.jsonl, audit.jsonl.head, ca, state.lock, trust.`)
    // the audit log stays with the CA, and says the trust was removed
    expect(readFileSync(path.join(machine.home, 'audit.jsonl'), 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line).event).slice(-2)).toEqual(['trust-installed', 'trust-removed'])
    expect(existsSync(path.join(machine.home, 'trust', 'roots.pem'))).toBe(false)
    expect(readFileSync(bashrc, 'utf8')).not.toContain('# added by localcert')
    expect(readFileSync(path.join(machine.home, 'ca', 'root.pem'), 'utf8')).toBe(rootBefore)
    const again = await machine.run('cert', 'app.localhost', '--json')
    expect(again.code, again.stderr).toBe(0)
    expect(JSON.parse(again.stdout)).toMatchObject({caCreated: false})
  })

  it('deletes the dev-server cache (certificates and their keys) with the rest: nothing reported as "not ours"', async () => {
    const machine = await uninstallMachine()
    await httpsOptions(['app.localhost'], {home: machine.home})
    expect(readdirSync(path.join(machine.home, 'dev'))).toHaveLength(1)
    const result = await machine.run('uninstall', '--yes', '--stores', 'runtimes')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`Deleted ${machine.home}.`)
    expect(result.stdout).not.toContain('not ours')
    expect(existsSync(machine.home)).toBe(false)
  })

  it('keeps the preferences in a LOCALCERT_HOME and says so, without calling them "not ours"', async () => {
    const machine = await uninstallMachine()
    expect((await machine.run('config', 'set', 'days', '30')).code).toBe(0)
    const result = await machine.run('uninstall', '--yes', '--stores', 'runtimes')
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toContain(`Deleted what localcert created in ${machine.home}; kept config.json (your preferences: \`localcert config list\`).`)
    expect(result.stdout).not.toContain('not ours')
    expect(readdirSync(machine.home)).toEqual(['config.json'])
  })

  it('an unknown store is refused before anything changes', async () => {
    const machine = await uninstallMachine()
    const before = tree(machine.home)
    const refused = await machine.run('uninstall', '--yes', '--stores', 'runtimes,bogus', '--json')
    expect(refused.code).toBe(1)
    expect(JSON.parse(refused.stdout).error).toMatchObject({code: 'INVALID_ARGUMENT', message: 'unknown store bogus'})
    expect(tree(machine.home)).toEqual(before)
  })

  it.skipIf(!hasTools('uninstall --stores with an NSS database', 'certutil'))('--stores runtimes deletes the CA but leaves an NSS database it was not told to clean, says so and how to finish; --fingerprint finishes', async () => {
    const machine = await uninstallMachine()
    const nssDb = path.join(machine.root, 'nssdb')
    mkdirSync(nssDb)
    expect((await sh('certutil', ['-N', '-d', `sql:${nssDb}`, '--empty-password'])).code).toBe(0)
    const installed = await machine.run('trust', 'install', '--stores', 'nss,runtimes', '--nss-db', nssDb, '--json')
    expect(installed.code, installed.stdout).toBe(0)
    const fingerprint = JSON.parse((await machine.run('trust', 'status', '--stores', 'runtimes', '--json')).stdout).root.fingerprint as string

    const result = await machine.run('uninstall', '--yes', '--stores', 'runtimes', '--nss-db', nssDb)
    expect(result.code, result.stderr).toBe(0)
    expect(existsSync(machine.home)).toBe(false)
    expect(result.stdout).toMatch(/^Still trusting the deleted root \(not selected, or not cleaned\): .*\(given with --nss-db\)/m)
    expect(result.stdout).toContain(`${nssDb} (given with --nss-db)`)
    expect(result.stdout).toContain(`\`localcert trust uninstall --fingerprint ${fingerprint.slice(0, 16)}\` removes it from them.`)
    expect((await sh('certutil', ['-L', '-d', `sql:${nssDb}`])).stdout).toMatch(/localcert/i)

    const finish = await machine.run('trust', 'uninstall', '--fingerprint', fingerprint.slice(0, 16), '--stores', 'nss', '--nss-db', nssDb)
    expect(finish.code, finish.stdout + finish.stderr).toBe(0)
    expect((await sh('certutil', ['-L', '-d', `sql:${nssDb}`])).stdout).not.toMatch(/localcert/i)
  })
})
