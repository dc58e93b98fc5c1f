import {onTestFinished} from 'vitest'
import {recordCommands, replaceRunner, type RecordedCommand} from '../../src/lib/exec.js'

export interface Answer {
  exitCode?: number
  stdout?: string
  stderr?: string
}

/**
 * Replaces the subprocess runner with `answer` (nothing real runs) and records every command until the test ends (call it inside a test).
 * @example const commands = fakeCommands((command, args) => args[1] === 'is-active' ? {stdout: 'active\n'} : {})
 */
export function fakeCommands(answer: (command: string, args: string[]) => Answer = () => ({})): RecordedCommand[] {
  const recording = recordCommands()
  const restore = replaceRunner(async (command, args) => {
    const reply = answer(command, args)
    return {command, args, exitCode: reply.exitCode ?? 0, stdout: reply.stdout ?? '', stderr: reply.stderr ?? ''}
  })
  onTestFinished(() => {
    restore()
    recording.stop()
  })
  return recording.commands
}

/** `command arg arg…` of each recorded command, for compact assertions. */
export function lines(commands: RecordedCommand[]): string[] {
  return commands.map((entry) => [entry.command, ...entry.args].join(' '))
}
