import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, cli, tempDir} from '../support/env.js'

/**
 * The built CLI against a fake `systemctl` first on PATH (a script that logs its arguments), with HOME and
 * LOCALCERT_HOME in a temp dir: the real user's systemd is never asked anything.
 */
function fakeSystemd(mode: 'bus' | 'no-bus') {
  const root = tempDir('localcert-service-cli-')
  const userHome = path.join(root, 'home')
  const localcertHome = path.join(root, 'state')
  const bin = path.join(root, 'bin')
  const log = path.join(root, 'systemctl.log')
  mkdirSync(userHome)
  mkdirSync(bin)
  writeFileSync(path.join(bin, 'systemctl'), [
    '#!/bin/sh',
    `echo "$*" >> '${log}'`,
    mode === 'no-bus' ? 'echo "Failed to connect to bus: No medium found" >&2; exit 1' : '',
    `case "$*" in *is-active*) if [ -f '${root}/active' ]; then echo active; else echo inactive; exit 3; fi;; esac`,
    `case "$*" in *enable*) touch '${root}/active';; *disable*) rm -f '${root}/active';; esac`,
    'exit 0',
    '',
  ].join('\n'))
  chmodSync(path.join(bin, 'systemctl'), 0o755)
  const env = {HOME: userHome, XDG_CONFIG_HOME: '', PATH: `${bin}${path.delimiter}${process.env.PATH}`}
  const run = (...args: string[]) => cli(['service', ...args], {home: localcertHome, env})
  const calls = () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : [])
  return {run, calls, unit: path.join(userHome, '.config', 'systemd', 'user', 'localcert.service'), localcertHome}
}

describe.skipIf(process.platform !== 'linux')('localcert service (built CLI, Linux)', () => {
  it('install → status → uninstall drives systemctl --user and writes the unit under $HOME', async () => {
    const box = fakeSystemd('bus')
    const install = await box.run('install', '--port', '8555')
    expect(install).toMatchObject({code: 0, stderr: ''})
    expect(install.stdout).toContain(`Wrote ${box.unit}`)
    const unit = readFileSync(box.unit, 'utf8')
    expect(unit).toContain(`ExecStart="${process.execPath}" "${BIN}" "serve" "--port" "8555"`)
    expect(unit).toContain(`Environment="LOCALCERT_HOME=${box.localcertHome}"`)
    expect(box.calls()).toEqual(['--user daemon-reload', '--user enable --now localcert.service'])

    const status = await box.run('status', '--json')
    expect(JSON.parse(status.stdout)).toMatchObject({manager: 'systemd', summary: 'running', installed: true, running: true, file: box.unit})
    expect((await box.run('status')).stdout).toMatch(/^running \(systemd: active\)/)

    const again = await box.run('install', '--port', '8555')
    expect(again.stdout).toContain(`Unchanged: ${box.unit}`)

    const uninstall = await box.run('uninstall')
    expect(uninstall).toMatchObject({code: 0})
    expect(uninstall.stdout).toContain(`Stopped and removed ${box.unit}`)
    expect(existsSync(box.unit)).toBe(false)
    expect((await box.run('status')).stdout).toMatch(/^not installed\n/)
    expect((await box.run('uninstall')).stdout).toContain('was not installed; nothing to do')
  })

  it('without a user bus, install writes the unit and prints exactly what to run', async () => {
    const box = fakeSystemd('no-bus')
    const install = await box.run('install')
    expect(install.code).toBe(0)
    expect(install.stdout).toContain('Not started: systemctl --user is not available here (Failed to connect to bus: No medium found).')
    expect(install.stdout).toContain('  systemctl --user daemon-reload\n  systemctl --user enable --now localcert.service\n')
    expect(existsSync(box.unit)).toBe(true)
    expect(JSON.parse((await box.run('status', '--json')).stdout)).toMatchObject({summary: 'installed', installed: true})
  })

  it('rejects a port outside 1–65535 before touching anything', async () => {
    const box = fakeSystemd('bus')
    const result = await box.run('install', '--port', '70000')
    expect(result.code).not.toBe(0)
    expect(existsSync(box.unit)).toBe(false)
    expect(box.calls()).toEqual([])
  })
})
