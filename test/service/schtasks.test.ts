import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {installService, serviceStatus, uninstallService} from '../../src/service/manager.js'
import {cliEntry} from '../../src/service/spec.js'
import {renderLauncher} from '../../src/service/schtasks.js'
import {tempDir} from '../support/env.js'
import {fakeCommands, lines, type Answer} from '../support/fake-runner.js'

const QUERY = 'schtasks /Query /TN localcert-serve /FO CSV /NH'

function sandbox() {
  const userHome = tempDir('localcert-schtasks-')
  const localcertHome = path.join(userHome, 'AppData', 'Local', 'localcert 100%', 'Data')
  const launcher = path.join(localcertHome, 'service', 'localcert-serve.cmd')
  return {launcher, localcertHome, options: {home: localcertHome, context: {platform: 'win32' as const, userHome, localcertHome, env: {}, uid: -1}}}
}

/** schtasks as a fake: /Query answers with the task's CSV row while it exists; /Run and /End flip its status. */
function fakeSchtasks(task = {exists: false, status: 'Ready'}) {
  const commands = fakeCommands((_command, args): Answer => {
    if (args[0] === '/Query') return task.exists ? {stdout: `"\\localcert-serve","N/A","${task.status}"\r\n`} : {exitCode: 1, stderr: 'ERROR: The system cannot find the file specified.\r\n'}
    if (args[0] === '/Create') task.exists = true
    if (args[0] === '/Delete') task.exists = false
    if (args[0] === '/Run') task.status = 'Running'
    if (args[0] === '/End') task.status = 'Ready'
    return {}
  })
  return {commands, task}
}

describe('Windows scheduled task', () => {
  it('writes a launcher pinning LOCALCERT_HOME and creates an ONLOGON task that runs it, then starts it', async () => {
    const {commands} = fakeSchtasks()
    const box = sandbox()
    expect(await installService({...box.options, port: 8555})).toEqual({manager: 'schtasks', file: box.launcher, changed: true, started: true})
    expect(lines(commands)).toEqual([
      `schtasks /Create /F /TN localcert-serve /SC ONLOGON /IT /RL LIMITED /TR "${box.launcher}"`,
      QUERY,
      'schtasks /Run /TN localcert-serve',
    ])
    const log = path.join(box.localcertHome, 'service', 'serve.log').replace(/%/g, '%%')
    expect(readFileSync(box.launcher, 'utf8')).toBe([
      '@echo off',
      'rem Written by `localcert service install`; remove with `localcert service uninstall`.',
      `set "LOCALCERT_HOME=${box.localcertHome.replace(/%/g, '%%')}"`,
      'set "LOCALCERT_SERVICE=1"',
      `"${process.execPath}" "${cliEntry()}" "serve" "--port" "8555" >> "${log}" 2>&1`,
      '',
    ].join('\r\n'))
  })

  it('is idempotent: a running, unchanged task is recreated in place (/F) and not restarted', async () => {
    const {commands} = fakeSchtasks()
    const box = sandbox()
    await installService(box.options)
    commands.length = 0
    expect(await installService(box.options)).toMatchObject({changed: false, started: true})
    expect(lines(commands)).toEqual([`schtasks /Create /F /TN localcert-serve /SC ONLOGON /IT /RL LIMITED /TR "${box.launcher}"`, QUERY])
    commands.length = 0
    await installService({...box.options, port: 9555})
    expect(lines(commands).slice(1)).toEqual([QUERY, 'schtasks /End /TN localcert-serve', 'schtasks /Run /TN localcert-serve'])
  })

  it('explains an access-denied /Create', async () => {
    fakeCommands((_command, args) => (args[0] === '/Create' ? {exitCode: 1, stderr: 'ERROR: Access is denied.\r\n'} : {}))
    await expect(installService(sandbox().options)).rejects.toMatchObject({code: 'COMMAND_FAILED', message: expect.stringContaining('Access is denied'), hint: expect.stringContaining('administrator')})
  })

  it('uninstall ends and deletes the task and removes the launcher; a second uninstall is a no-op', async () => {
    const {commands} = fakeSchtasks()
    const box = sandbox()
    await installService(box.options)
    commands.length = 0
    expect(await uninstallService(box.options)).toEqual({manager: 'schtasks', file: box.launcher, removed: true})
    expect(lines(commands)).toEqual([QUERY, 'schtasks /End /TN localcert-serve', 'schtasks /Delete /TN localcert-serve /F'])
    expect(existsSync(box.launcher)).toBe(false)
    expect(await uninstallService(box.options)).toMatchObject({removed: false})
  })

  it('status reads the task state from the CSV row', async () => {
    const {task} = fakeSchtasks()
    const box = sandbox()
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'not installed', installed: false})
    await installService(box.options)
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'running', detail: 'Running'})
    task.status = 'Ready'
    expect(await serviceStatus(box.options)).toMatchObject({summary: 'installed', running: false, detail: 'Ready'})
  })

  it('refuses a path with a quote rather than writing a launcher that runs something else', () => {
    expect(() => renderLauncher({program: 'C:\\node.exe', args: ['C:\\a" & calc & "\\run.js', 'serve'], env: {}}, 'C:\\log')).toThrow(/quote/)
  })
})
