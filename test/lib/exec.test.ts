import {describe, expect, it} from 'vitest'
import {exec, onPath, recordCommands, replaceRunner} from '../../src/lib/exec.js'

describe('exec', () => {
  it('returns output and exit code without throwing when reject is false', async () => {
    const result = await exec('sh', ['-c', 'echo out; echo err >&2; exit 3'], {reject: false})
    expect(result).toMatchObject({exitCode: 3, stdout: 'out\n', stderr: 'err\n'})
  })

  it('passes stdin and extra environment to the child', async () => {
    expect((await exec('cat', [], {input: 'abc'})).stdout).toBe('abc')
    expect((await exec('sh', ['-c', 'printf %s "$LOCALCERT_EXEC_PROBE"'], {env: {LOCALCERT_EXEC_PROBE: 'seen'}})).stdout).toBe('seen')
  })

  it('throws COMMAND_FAILED with the first line of stderr on a non-zero exit', async () => {
    await expect(exec('sh', ['-c', 'echo broken >&2; exit 2'])).rejects.toMatchObject({code: 'COMMAND_FAILED', message: expect.stringContaining('broken')})
  })

  it('throws TOOL_MISSING for a command that is not on PATH', async () => {
    await expect(exec('localcert-no-such-tool', [])).rejects.toMatchObject({code: 'TOOL_MISSING'})
    expect(await onPath('localcert-no-such-tool')).toBe(false)
    expect(await onPath('sh')).toBe(true)
  })

  it('throws COMMAND_FAILED when a command outlives its timeout', async () => {
    await expect(exec('sleep', ['5'], {timeoutMs: 100})).rejects.toMatchObject({code: 'COMMAND_FAILED'})
  })

  it('records every command, and a replaced runner sees them instead of the machine', async () => {
    const recording = recordCommands()
    const restore = replaceRunner(async (command, args) => ({command, args, exitCode: command === 'fail' ? 1 : 0, stdout: 'fake', stderr: ''}))
    try {
      expect((await exec('systemctl', ['--user', 'daemon-reload'])).stdout).toBe('fake')
      await exec('fail', ['x'], {reject: false, env: {A: '1'}})
    } finally {
      restore()
      recording.stop()
    }
    expect(recording.commands).toEqual([
      {command: 'systemctl', args: ['--user', 'daemon-reload'], exitCode: 0},
      {command: 'fail', args: ['x'], env: {A: '1'}, exitCode: 1},
    ])
  })
})
