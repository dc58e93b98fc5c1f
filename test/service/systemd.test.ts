import {existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {installService, serviceStatus, uninstallService} from '../../src/service/manager.js'
import {cliEntry} from '../../src/service/spec.js'
import {renderUnit} from '../../src/service/systemd.js'
import {hasTools} from '../support/tools.js'
import {sh, tempDir} from '../support/env.js'
import {fakeCommands, lines} from '../support/fake-runner.js'

const NO_BUS = {exitCode: 1, stderr: 'Failed to connect to bus: No medium found\n'}

/** A fresh user home and localcert home per test, so nothing touches the real ~/.config/systemd. */
function sandbox(env: NodeJS.ProcessEnv = {}) {
  const root = tempDir('localcert-systemd-')
  const userHome = path.join(root, `user ${Math.random().toString(36).slice(2)}`)
  const localcertHome = path.join(userHome, 'state 100% $HOME')
  mkdirSync(userHome, {recursive: true})
  const unit = path.join(env.XDG_CONFIG_HOME ?? path.join(userHome, '.config'), 'systemd', 'user', 'localcert.service')
  const context = {platform: 'linux' as const, userHome, localcertHome, env, uid: 1000}
  return {userHome, localcertHome, unit, options: {home: localcertHome, context}}
}

describe('systemd --user service', () => {
  it('writes a unit running absolute node + bin/run.js serve, pinning LOCALCERT_HOME, then reloads and enables it', async () => {
    const commands = fakeCommands()
    const box = sandbox()
    const result = await installService({...box.options, port: 8555})
    expect(result).toEqual({manager: 'systemd', file: box.unit, changed: true, started: true})
    const unit = readFileSync(box.unit, 'utf8')
    expect(unit).toContain(`ExecStart="${process.execPath}" "${cliEntry()}" "serve" "--port" "8555"\n`)
    expect(unit).toContain(`Environment="LOCALCERT_HOME=${box.localcertHome.replace('%', '%%')}"\n`)
    expect(unit).toContain('Restart=on-failure\n')
    expect(unit).toContain('WantedBy=default.target\n')
    expect(path.isAbsolute(process.execPath) && existsSync(cliEntry())).toBe(true)
    expect(lines(commands)).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now localcert.service'])
  })

  it('pins no LOCALCERT_HOME when it is not set; only the marker that tells its endpoint from one started by hand', async () => {
    fakeCommands()
    const box = sandbox()
    await installService({context: box.options.context})
    const unit = readFileSync(box.unit, 'utf8')
    expect(unit).not.toContain('LOCALCERT_HOME')
    expect(unit.match(/^Environment=.*$/gm)).toEqual(['Environment="LOCALCERT_SERVICE=1"'])
  })

  it('honours XDG_CONFIG_HOME for the unit directory', async () => {
    fakeCommands()
    const config = path.join(tempDir('localcert-xdg-'), 'config')
    const box = sandbox({XDG_CONFIG_HOME: config})
    const result = await installService(box.options)
    expect(result.file).toBe(path.join(config, 'systemd', 'user', 'localcert.service'))
    expect(existsSync(result.file)).toBe(true)
  })

  it('is idempotent: a second install changes nothing and does not restart; a changed unit is restarted', async () => {
    const commands = fakeCommands()
    const box = sandbox()
    await installService(box.options)
    const first = readFileSync(box.unit, 'utf8')
    commands.length = 0
    expect(await installService(box.options)).toMatchObject({changed: false, started: true})
    expect(readFileSync(box.unit, 'utf8')).toBe(first)
    expect(lines(commands)).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now localcert.service'])
    commands.length = 0
    expect(await installService({...box.options, port: 9555})).toMatchObject({changed: true})
    expect(lines(commands)).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now localcert.service', 'systemctl --user restart localcert.service'])
  })

  it('without a user bus writes the unit and returns the exact commands to run', async () => {
    const commands = fakeCommands(() => NO_BUS)
    const box = sandbox()
    const result = await installService(box.options)
    expect(result).toMatchObject({started: false, changed: true, manualSteps: ['systemctl --user daemon-reload', 'systemctl --user enable --now localcert.service']})
    expect(result.reason).toContain('Failed to connect to bus')
    expect(existsSync(box.unit)).toBe(true)
    expect(lines(commands)).toEqual(['systemctl --user daemon-reload'])
  })

  it('fails with the reason when systemd refuses to enable the unit', async () => {
    fakeCommands((_command, args) => (args[1] === 'enable' ? {exitCode: 1, stderr: 'Failed to enable unit: Unit file is masked.\n'} : {}))
    await expect(installService(sandbox().options)).rejects.toMatchObject({code: 'COMMAND_FAILED', message: expect.stringContaining('masked')})
  })

  it('uninstall disables and stops the unit, removes it and reloads; a second uninstall is a no-op', async () => {
    const commands = fakeCommands()
    const box = sandbox()
    await installService(box.options)
    commands.length = 0
    expect(await uninstallService(box.options)).toEqual({manager: 'systemd', file: box.unit, removed: true})
    expect(existsSync(box.unit)).toBe(false)
    expect(lines(commands)).toEqual(['systemctl --user disable --now localcert.service', 'systemctl --user daemon-reload'])
    expect(await uninstallService(box.options)).toMatchObject({removed: false})
  })

  it('uninstall without a user bus removes the unit and its wants link, and says what to run', async () => {
    fakeCommands(() => NO_BUS)
    const box = sandbox()
    await installService(box.options)
    const wants = path.join(path.dirname(box.unit), 'default.target.wants')
    mkdirSync(wants)
    symlinkSync(box.unit, path.join(wants, 'localcert.service'))
    const result = await uninstallService(box.options)
    expect(result).toMatchObject({removed: true, manualSteps: ['systemctl --user stop localcert.service', 'systemctl --user daemon-reload']})
    expect(existsSync(box.unit) || existsSync(path.join(wants, 'localcert.service'))).toBe(false)
  })

  it('status reports running, installed (stopped), not installed, and unknown without a bus', async () => {
    let answer = 'active\n'
    const commands = fakeCommands((_command, args) => (args[1] === 'is-active' ? {stdout: answer, exitCode: answer === 'active\n' ? 0 : 3} : {}))
    const box = sandbox()
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'not installed', installed: false})
    await installService(box.options)
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'running', installed: true, running: true, detail: 'active', file: box.unit})
    answer = 'failed\n'
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'installed', running: false, detail: 'failed'})
    answer = ''
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'installed', running: undefined})
    expect(lines(commands).filter((line) => line.includes('is-active'))).toEqual(Array(4).fill('systemctl --user is-active localcert.service'))
  })

  it('reports the endpoint that `localcert serve` advertises in the state directory', async () => {
    fakeCommands(() => ({stdout: 'active\n'}))
    const box = sandbox()
    const endpoint = {directoryUrl: 'https://localhost:8555/directory', port: 8555, pid: process.pid, startedAt: new Date().toISOString()}
    mkdirSync(path.join(box.localcertHome, 'acme'), {recursive: true})
    writeFileSync(path.join(box.localcertHome, 'acme', 'endpoint.json'), JSON.stringify(endpoint))
    expect((await serviceStatus(box.options)).endpoint).toEqual(endpoint)
  })

  it('refuses paths with line breaks instead of writing a broken unit', () => {
    expect(() => renderUnit({program: '/usr/bin/node', args: ['/x\n/run.js', 'serve'], env: {}})).toThrow(/line break/)
  })

  describe.skipIf(!hasTools('systemd unit verification', 'systemd-analyze'))('with systemd-analyze', () => {
    it('writes a unit systemd parses without a single warning, even with spaces, % and $ in the paths', async () => {
      fakeCommands()
      const box = sandbox()
      await installService({...box.options, port: 8555})
      const verify = await sh('systemd-analyze', ['verify', box.unit])
      expect(verify).toMatchObject({code: 0, stderr: ''})
    })

    it('quotes the program path so systemd finds it even under a directory with spaces, % and $', async () => {
      const dir = path.join(tempDir('localcert-systemd-quote-'), 'bin 100%x $y')
      mkdirSync(dir)
      symlinkSync(process.execPath, path.join(dir, 'node'))
      const unit = path.join(dir, 'localcert.service')
      writeFileSync(unit, renderUnit({program: path.join(dir, 'node'), args: [cliEntry(), 'serve'], env: {LOCALCERT_HOME: dir}}))
      expect(await sh('systemd-analyze', ['verify', unit])).toMatchObject({code: 0, stderr: ''})
    })
  })
})
