import {existsSync, mkdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {installService, serviceStatus, uninstallService} from '../../src/service/manager.js'
import {cliEntry} from '../../src/service/spec.js'
import {hasTools} from '../support/tools.js'
import {sh, tempDir} from '../support/env.js'
import {fakeCommands, lines, type Answer} from '../support/fake-runner.js'

const TARGET = 'gui/501/dev.localcert.serve'

function sandbox() {
  const userHome = path.join(tempDir('localcert-launchd-'), 'Users', 'dev & <me>')
  mkdirSync(userHome, {recursive: true})
  const localcertHome = path.join(userHome, 'Library', 'Application Support', 'localcert')
  const plist = path.join(userHome, 'Library', 'LaunchAgents', 'dev.localcert.serve.plist')
  return {userHome, plist, localcertHome, options: {home: localcertHome, context: {platform: 'darwin' as const, userHome, localcertHome, env: {}, uid: 501}}}
}

/** launchctl as a fake: `print` succeeds only while the agent is "loaded", bootstrap/bootout flip that. */
function fakeLaunchctl(state = {loaded: false, running: true}) {
  const commands = fakeCommands((_command, args): Answer => {
    if (args[0] === 'print') return state.loaded ? {stdout: `${TARGET} = {\n\tactive count = 1\n\tstate = ${state.running ? 'running' : 'not running'}\n}\n`} : {exitCode: 113, stderr: `Could not find service "dev.localcert.serve" in domain for user gui: 501\n`}
    if (args[0] === 'bootstrap') state.loaded = true
    if (args[0] === 'bootout') state.loaded = false
    return {}
  })
  return {commands, state}
}

describe('launchd agent', () => {
  it('writes ~/Library/LaunchAgents/dev.localcert.serve.plist and bootstraps it into gui/<uid>', async () => {
    const {commands} = fakeLaunchctl()
    const box = sandbox()
    expect(await installService(box.options)).toEqual({manager: 'launchd', file: box.plist, changed: true, started: true})
    expect(lines(commands)).toEqual([`launchctl print ${TARGET}`, `launchctl enable ${TARGET}`, `launchctl bootstrap gui/501 ${box.plist}`])
    const xml = readFileSync(box.plist, 'utf8')
    expect(xml).toContain(`<string>${process.execPath}</string>`)
    expect(xml).toContain('/dev &amp; &lt;me&gt;/')
  })

  it('is idempotent: an unchanged loaded agent is left alone, a changed one is booted out and bootstrapped again', async () => {
    const {commands} = fakeLaunchctl()
    const box = sandbox()
    await installService(box.options)
    commands.length = 0
    expect(await installService(box.options)).toMatchObject({changed: false, started: true})
    expect(lines(commands)).toEqual([`launchctl print ${TARGET}`])
    commands.length = 0
    expect(await installService({...box.options, port: 8555})).toMatchObject({changed: true})
    expect(lines(commands)).toEqual([`launchctl print ${TARGET}`, `launchctl bootout ${TARGET}`, `launchctl enable ${TARGET}`, `launchctl bootstrap gui/501 ${box.plist}`])
  })

  it('reports a failed bootstrap with launchctl\'s own words', async () => {
    fakeCommands((_command, args) => (args[0] === 'print' ? {exitCode: 113} : args[0] === 'bootstrap' ? {exitCode: 5, stderr: 'Bootstrap failed: 5: Input/output error\n'} : {}))
    await expect(installService(sandbox().options)).rejects.toMatchObject({code: 'COMMAND_FAILED', message: expect.stringContaining('Input/output error')})
  })

  it('uninstall boots the agent out and deletes the plist; a second uninstall is a no-op', async () => {
    const {commands} = fakeLaunchctl()
    const box = sandbox()
    await installService(box.options)
    commands.length = 0
    expect(await uninstallService(box.options)).toEqual({manager: 'launchd', file: box.plist, removed: true})
    expect(existsSync(box.plist)).toBe(false)
    expect(lines(commands)).toEqual([`launchctl print ${TARGET}`, `launchctl bootout ${TARGET}`])
    commands.length = 0
    expect(await uninstallService(box.options)).toMatchObject({removed: false})
    expect(lines(commands)).toEqual([`launchctl print ${TARGET}`])
  })

  it('status reads the state launchctl prints', async () => {
    const {state} = fakeLaunchctl()
    const box = sandbox()
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'not installed', running: false})
    await installService(box.options)
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'running', detail: 'running'})
    state.running = false
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'installed', running: false, detail: 'not running'})
  })

  describe.skipIf(!hasTools('launchd plist parsing', 'python3'))('with a real plist parser', () => {
    it('writes a plist that parses to the agent launchd needs, escaping XML in paths', async () => {
      fakeLaunchctl()
      const box = sandbox()
      await installService({...box.options, port: 8555})
      const parsed = await sh('python3', ['-c', 'import json, plistlib, sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))', box.plist])
      expect(parsed.code).toBe(0)
      const log = path.join(box.userHome, 'Library', 'Logs', 'localcert-serve.log')
      expect(JSON.parse(parsed.stdout)).toEqual({
        Label: 'dev.localcert.serve',
        ProgramArguments: [process.execPath, cliEntry(), 'serve', '--port', '8555'],
        EnvironmentVariables: {LOCALCERT_HOME: box.localcertHome, LOCALCERT_SERVICE: '1'},
        RunAtLoad: true,
        KeepAlive: {SuccessfulExit: false},
        ProcessType: 'Background',
        StandardOutPath: log,
        StandardErrorPath: log,
      })
    })
  })
})
