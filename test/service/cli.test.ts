import {existsSync, readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'
import {BIN, tempDir} from '../support/env.js'
import {fakeSystemd} from '../support/fake-systemd.js'
import {onLinux} from '../support/tools.js'

/** The service commands of the built CLI in a box of their own (a fake `systemctl` first on PATH). */
function fakeSystemdBox(mode: 'bus' | 'no-bus') {
  const box = fakeSystemd(tempDir('localcert-service-cli-'), {noBus: mode === 'no-bus'})
  return {...box, run: (...args: string[]) => box.run('service', ...args)}
}

describe.skipIf(!onLinux('localcert service through the CLI'))('localcert service (built CLI, Linux)', () => {
  it('install → status → uninstall drives systemctl --user and writes the unit under $HOME', async () => {
    const box = fakeSystemdBox('bus')
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
    expect(uninstall.stdout).toBe(`Stopped and removed the login service (${box.unit}).\n`)
    expect(existsSync(box.unit)).toBe(false)
    expect((await box.run('status')).stdout).toMatch(/^not installed as a login service\n/)
    expect((await box.run('uninstall')).stdout).toContain('was not installed; nothing to do')
  })

  it('without a user bus, install writes the unit and prints exactly what to run', async () => {
    const box = fakeSystemdBox('no-bus')
    const install = await box.run('install')
    expect(install.code).toBe(0)
    expect(install.stdout).toContain('Not started: systemctl --user is not available here (Failed to connect to bus: No medium found).')
    expect(install.stdout).toContain('  systemctl --user daemon-reload\n  systemctl --user enable --now localcert.service\n')
    expect(existsSync(box.unit)).toBe(true)
    expect(JSON.parse((await box.run('status', '--json')).stdout)).toMatchObject({summary: 'installed', installed: true})

    // one truthful account: the unit is gone, the service could not be stopped, and what to run
    const uninstall = await box.run('uninstall')
    expect(uninstall.code).toBe(0)
    expect(uninstall.stdout).toBe([
      `Removed ${box.unit}, but could not stop the service: systemctl --user is not available here (Failed to connect to bus: No medium found). If it still runs the endpoint, run from a login session:`,
      '  systemctl --user stop localcert.service',
      '  systemctl --user daemon-reload',
      '',
    ].join('\n'))
    expect(existsSync(box.unit)).toBe(false)
  })

  it('rejects a port outside 1–65535 before touching anything', async () => {
    const box = fakeSystemdBox('bus')
    const result = await box.run('install', '--port', '70000')
    expect(result.code).not.toBe(0)
    expect(existsSync(box.unit)).toBe(false)
    expect(box.calls()).toEqual([])
  })
})
