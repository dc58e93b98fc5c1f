import {onTestFinished} from 'vitest'
import {recordCommands, replaceRunner, type ExecOptions, type RecordedCommand} from '../../src/lib/exec.js'

/** What a faked command answers; anything left out is exit 0 and no output. */
export interface Answer {
  exitCode?: number
  stdout?: string
  stderr?: string
}

/** Answers each command a test's code runs (undefined: exit 0, no output). */
export type Script = (command: string, args: string[], options: ExecOptions) => Answer | undefined

/** The one fake: swaps the runner for `script` and records every command until stop(). */
function installFake(script: Script): {commands: RecordedCommand[]; stop(): void} {
  const recording = recordCommands()
  const restore = replaceRunner(async (command, args, options) => {
    const answer = script(command, args, options) ?? {}
    return {command, args, exitCode: answer.exitCode ?? 0, stdout: answer.stdout ?? '', stderr: answer.stderr ?? ''}
  })
  return {
    commands: recording.commands,
    stop() {
      restore()
      recording.stop()
    },
  }
}

/**
 * Replaces the subprocess runner with `script` (nothing real runs) and records every command until the test ends (call it inside a test).
 * @example const commands = fakeCommands((command, args) => args[1] === 'is-active' ? {stdout: 'active\n'} : {})
 */
export function fakeCommands(script: Script = () => undefined): RecordedCommand[] {
  const fake = installFake(script)
  onTestFinished(() => fake.stop())
  return fake.commands
}

/**
 * The same fake for `work` alone: runs it with every command answered by `script` and returns the lines (see lines()) of the commands it ran.
 * @example const commands = await withFakeRunner(() => ({exitCode: 1}), () => installRoot(root, options))
 */
export async function withFakeRunner(script: Script, work: () => Promise<unknown>): Promise<string[]> {
  const fake = installFake(script)
  try {
    await work()
  } finally {
    fake.stop()
  }
  return lines(fake.commands)
}

/**
 * `command arg arg…` of each recorded command, for compact assertions; a temporary root file is shown as `<root.pem>`.
 * @example expect(lines(commands)).toEqual(['systemctl --user daemon-reload'])
 */
export function lines(commands: RecordedCommand[]): string[] {
  return commands.map((entry) => [entry.command, ...entry.args].map((word) => word.replace(/\/[^ ]*localcert-root-[^/ ]+\/localcert-[0-9a-f]{16}\.pem/, '<root.pem>')).join(' '))
}
