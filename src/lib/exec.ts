import {LocalcertError} from '../errors.js'

/**
 * The one way localcert runs a subprocess (a small wrapper over execa 9). Every call is recorded for whoever is
 * listening (`recordCommands()`), and tests can swap the real runner for a fake (`replaceRunner()`) so they can
 * assert exactly which commands a feature would run without touching the machine.
 */

export interface ExecOptions {
  cwd?: string
  /** Added to (not replacing) the current environment. */
  env?: Record<string, string | undefined>
  /** Written to the child's stdin. */
  input?: string | Uint8Array
  timeoutMs?: number
  /** Throw COMMAND_FAILED on a non-zero exit (default true); false returns the result whatever the exit code. */
  reject?: boolean
  /** Run as this user/group (only root may switch): certutil runs as the owner of the NSS database it edits. */
  uid?: number
  gid?: number
}

export interface ExecResult {
  command: string
  args: string[]
  exitCode: number
  stdout: string
  stderr: string
}

export interface RecordedCommand {
  command: string
  args: string[]
  env?: Record<string, string | undefined>
  uid?: number
  exitCode: number
}

/** What actually runs a command; never throws for a non-zero exit (exec() decides), throws ENOENT-style errors. */
export type Runner = (command: string, args: string[], options: ExecOptions) => Promise<ExecResult>

const realRunner: Runner = async (command, args, options) => {
  const {execa} = await import('execa')
  const result = await execa(command, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: true,
    input: options.input,
    stdin: options.input === undefined ? 'ignore' : undefined,
    timeout: options.timeoutMs,
    uid: options.uid,
    gid: options.gid,
    reject: false,
    stripFinalNewline: false,
  })
  if (result.failed && result.exitCode === undefined) {
    const cause = result.cause as NodeJS.ErrnoException | undefined
    if (cause?.code === 'ENOENT') throw Object.assign(new Error(`${command}: not found`), {code: 'ENOENT'})
    if (result.timedOut) throw Object.assign(new Error(`${command}: timed out after ${options.timeoutMs} ms`), {code: 'ETIMEDOUT'})
    throw cause ?? new Error(result.shortMessage)
  }
  return {command, args, exitCode: result.exitCode ?? 1, stdout: String(result.stdout ?? ''), stderr: String(result.stderr ?? '')}
}

let runner: Runner = realRunner
const listeners = new Set<RecordedCommand[]>()

/**
 * Runs `command args…` without a shell and returns its output.
 * @example
 * const {stdout} = await exec('systemctl', ['--user', 'is-active', 'localcert.service'], {reject: false})
 */
export async function exec(command: string, args: string[], options: ExecOptions = {}): Promise<ExecResult> {
  let result: ExecResult
  try {
    result = await runner(command, args, options)
  } catch (error) {
    record(command, args, options, 127)
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new LocalcertError('TOOL_MISSING', `\`${command}\` is not installed or not on PATH`, `install ${command} and run the command again`, {cause: error})
    }
    throw new LocalcertError('COMMAND_FAILED', `\`${command}\` could not run: ${(error as Error).message}`, `check that \`${command}\` runs when you start it by hand`, {cause: error})
  }
  record(command, args, options, result.exitCode)
  if (result.exitCode !== 0 && options.reject !== false) {
    const detail = (result.stderr || result.stdout).trim() ? `: ${firstLine(result)}` : ''
    throw new LocalcertError('COMMAND_FAILED', `\`${command} ${args[0] ?? ''}\` failed (exit ${result.exitCode})${detail}`, `run \`${command}\` by hand with the same arguments to see all it says`)
  }
  return result
}

/** What a failed command said first, in one line (stderr before stdout), or its exit code when it said nothing. */
export function firstLine(result: Pick<ExecResult, 'stdout' | 'stderr' | 'exitCode'>): string {
  return (result.stderr || result.stdout).trim().split(/\r?\n/)[0] || `exit ${result.exitCode}`
}

/** The last line a command printed (stdout then stderr): where openssl, certutil and security put their verdict. */
export function lastLine(result: Pick<ExecResult, 'stdout' | 'stderr' | 'exitCode'>): string {
  return [result.stdout, result.stderr].join('\n').trim().split(/\r?\n/).pop() || `exit ${result.exitCode}`
}

/**
 * Runs a command and returns {exitCode, stdout, stderr} whatever the exit code; a command that is not installed
 * gives exit code 127 (as a shell would) instead of throwing.
 * @example
 * const {exitCode} = await run('certutil', ['-L', '-d', 'sql:/home/me/.pki/nssdb'])
 */
export async function run(command: string, args: string[], options: Omit<ExecOptions, 'reject'> = {}): Promise<ExecResult> {
  try {
    return await exec(command, args, {...options, reject: false})
  } catch (error) {
    if ((error as LocalcertError).code === 'TOOL_MISSING') return {command, args, exitCode: 127, stdout: '', stderr: `${command}: not found`}
    throw error
  }
}

/** True when `command` can be found on PATH (runs nothing). */
export async function onPath(command: string): Promise<boolean> {
  const {access, constants} = await import('node:fs/promises')
  const path = await import('node:path')
  const extensions = process.platform === 'win32' ? (process.env.PATHEXT ?? '.EXE;.CMD;.BAT').split(';') : ['']
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    for (const extension of extensions) {
      try {
        await access(path.join(dir, command + extension), process.platform === 'win32' ? constants.F_OK : constants.X_OK)
        return true
      } catch {
        // not in this directory
      }
    }
  }
  return false
}

function record(command: string, args: string[], options: ExecOptions, exitCode: number): void {
  for (const list of listeners) list.push({command, args: [...args], ...(options.env ? {env: {...options.env}} : {}), ...(options.uid === undefined ? {} : {uid: options.uid}), exitCode})
}

/**
 * Starts recording every command run through exec() until stop() is called.
 * @example
 * const recording = recordCommands(); await doThing(); recording.stop(); expect(recording.commands).toEqual([...])
 */
export function recordCommands(): {commands: RecordedCommand[]; stop(): void} {
  const commands: RecordedCommand[] = []
  listeners.add(commands)
  return {commands, stop: () => listeners.delete(commands)}
}

/**
 * Swaps the runner (tests use a fake that answers from a script); returns a function restoring the previous one.
 * @example
 * const restore = replaceRunner(async (command, args) => ({command, args, exitCode: 0, stdout: '', stderr: ''}))
 */
export function replaceRunner(fake: Runner): () => void {
  const previous = runner
  runner = fake
  return () => {
    runner = previous
  }
}
