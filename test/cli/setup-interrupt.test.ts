import {spawn} from 'node:child_process'
import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {uninstallRoot} from '../../src/trust/everywhere.js'
import {parseRoot, type TrustRoot} from '../../src/trust/root.js'
import {BIN, cli, sh, type CliResult} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {holdSystemTrust, homeWithNssDb, runsAsRoot, snapshotSystemTrust} from '../trust/support/real.js'

// Ctrl-C (SIGINT) in the middle of a real `localcert setup`, while it adds the root to an NSS database: the step
// under way finishes and is verified, nothing after it starts, and a second `setup` finishes the job. A certutil on
// PATH that waits 2 s before adding (then runs the real one) holds the window open, so the signal lands inside it.

const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
const runsHere = runsAsRoot('setup interrupted by SIGINT') && hasTools('setup interrupted by SIGINT', 'update-ca-certificates', 'certutil', 'keytool')
const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '')

/** Starts the built CLI, sends SIGINT once `marker` exists (the slow certutil is adding), and waits for the exit. */
function setupInterrupted(env: NodeJS.ProcessEnv, marker: string): Promise<CliResult & {signalled: boolean}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, 'setup'], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    let signalled = false
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => (stderr += chunk))
    const poll = setInterval(() => {
      if (!existsSync(marker) || signalled) return
      signalled = true
      child.kill('SIGINT')
    }, 50)
    child.on('exit', (code) => {
      clearInterval(poll)
      resolve({code: code ?? 1, stdout, stderr, signalled})
    })
  })
}

describe.skipIf(!runsHere)('localcert setup, interrupted (built CLI, real stores, as root)', () => {
  it('SIGINT while a store is being changed: that store ends trusted and verified, the later ones untouched, the CA complete; a rerun finishes cleanly', async () => {
    const release = await holdSystemTrust()
    const before = snapshotSystemTrust()
    const {dir, home, userHome, nssdb} = homeWithNssDb('setup-interrupt')
    const bin = path.join(dir, 'bin')
    const marker = path.join(dir, 'certutil-adding')
    mkdirSync(bin)
    const realCertutil = (await sh('sh', ['-c', 'command -v certutil'])).stdout.trim()
    writeFileSync(path.join(bin, 'certutil'), `#!/bin/sh\ncase " $* " in *" -A "*) : > '${marker}'; sleep 2;; esac\nexec '${realCertutil}' "$@"\n`)
    chmodSync(path.join(bin, 'certutil'), 0o755)
    const env = {HOME: userHome, SHELL: '/bin/bash', XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', LOCALCERT_HOME: home, PATH: `${bin}:${process.env.PATH}`, NO_COLOR: '1'}
    let root: TrustRoot | undefined
    let interrupted: Awaited<ReturnType<typeof setupInterrupted>> | undefined
    let rerun: CliResult | undefined
    let afterInterrupt: {nss: string; nssValid: number; systemBundle: boolean; runtimeBundle: boolean} | undefined
    let uninstall: CliResult
    let after: string
    try {
      interrupted = await setupInterrupted(env, marker)
      // the CA is whole: its root parses and `status` opens it
      root = parseRoot(readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8'), 'setup root')
      afterInterrupt = {
        nss: (await sh(realCertutil, ['-L', '-d', `sql:${nssdb}`])).stdout,
        nssValid: (await sh(realCertutil, ['-V', '-u', 'L', '-d', `sql:${nssdb}`, '-n', root.name])).code,
        systemBundle: body(readFileSync(SYSTEM_BUNDLE, 'utf8')).includes(body(root.pem)),
        runtimeBundle: existsSync(path.join(home, 'trust', 'bundle.pem')),
      }
      expect((await cli(['status', '--json'], {home, env})).code).toBe(0)
      rerun = await cli(['setup', '--json'], {home, env})
    } finally {
      uninstall = await cli(['uninstall', '--yes', '--json'], {home, env})
      if (uninstall.code !== 0 && root) await uninstallRoot(root, {localcertHome: home, stores: ['system'], interactive: false})
      after = snapshotSystemTrust()
      await release()
    }
    expect(interrupted!.signalled).toBe(true)
    expect(interrupted!.code, interrupted!.stderr).toBe(130)
    const said = interrupted!.stderr.replace(/\s+/g, ' ')
    expect(said).toContain('Interrupted: finishing the step in progress, then stopping.')
    expect(said).toContain('Run `localcert setup` again to finish.')
    // the store being changed when the signal came: trusted, and NSS itself says the root is valid for TLS servers
    expect(afterInterrupt!.nss).toMatch(new RegExp(`^${root!.name}\\s+C,,\\s*$`, 'm'))
    expect(afterInterrupt!.nssValid).toBe(0)
    expect(afterInterrupt!.systemBundle).toBe(true)
    // the store after it was never started
    expect(afterInterrupt!.runtimeBundle).toBe(false)
    expect(interrupted!.stdout).toMatch(/^runtimes .*skipped/m)
    expect(interrupted!.stdout).toContain('interrupted')
    expect(rerun!.code, rerun!.stderr).toBe(0)
    const statuses = JSON.parse(rerun!.stdout).trust.map((row: {store: string; status: string}) => `${row.store}: ${row.status}`)
    expect(statuses).toEqual(['system: already-present', 'nss: already-present', 'java: already-present', 'runtimes: installed', 'runtimes: skipped'])
    expect(uninstall.code, uninstall.stdout + uninstall.stderr).toBe(0)
    expect(after).toBe(before)
  }, 300_000) // the machine-wide lock may be held by another test file first
})
