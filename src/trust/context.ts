import {access, constants, readdir, readFile, readlink, realpath, stat} from 'node:fs/promises'
import {homedir} from 'node:os'
import {LocalcertError} from '../errors.js'
import {onPath, run, type ExecOptions, type ExecResult} from '../lib/exec.js'
import {elevatorPrefix, findElevator, PASSWORD_NEEDED} from '../lib/sudo.js'
import type {ContextOptions, MachineFs, TrustContext} from './store.js'

const realFs: MachineFs = {
  exists: (file) => access(file).then(() => true, () => false),
  readText: (file) => readFile(file, 'utf8').catch(() => undefined),
  readBytes: (file) => readFile(file).catch(() => undefined),
  list: (dir) => readdir(dir).catch(() => [] as string[]),
  owner: async (file) => {
    if (process.platform === 'win32') return undefined
    const info = await stat(file).catch(() => undefined)
    return info ? {uid: info.uid, gid: info.gid} : undefined
  },
  writable: (file) => access(file, constants.W_OK).then(() => true, () => false),
  realpath: (file) => realpath(file).catch(() => file),
  readlink: (file) => readlink(file).catch(() => undefined),
}

export interface ContextInit extends ContextOptions {
  localcertHome: string
  dryRun?: boolean
  log?: (line: string) => void
  /** Overrides for tests (another platform, a fake machine). */
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  homeDir?: string
  uid?: number
  interactive?: boolean
  fs?: MachineFs
  which?: (command: string) => Promise<boolean>
}

/**
 * Builds the context every store works with: the real machine by default, anything overridable for tests.
 * @example const ctx = createContext({localcertHome: home, log: console.error})
 */
export function createContext(init: ContextInit): TrustContext {
  const env = init.env ?? process.env
  const uid = init.uid ?? (typeof process.getuid === 'function' ? process.getuid() : undefined)
  const interactive = init.interactive ?? Boolean(process.stdin.isTTY && process.stderr.isTTY)
  const which = init.which ?? onPath
  const explained = new Set<string>()
  const log = init.log ?? (() => {})
  const ctx: TrustContext = {
    platform: init.platform ?? process.platform,
    env,
    homeDir: init.homeDir ?? env.HOME ?? env.USERPROFILE ?? homedir(),
    localcertHome: init.localcertHome,
    uid,
    interactive,
    dryRun: init.dryRun ?? false,
    fs: init.fs ?? realFs,
    which,
    planned: [],
    options: init,
    log,
    read: (command, args, options) => run(command, args, options),
    async change(command, args, options) {
      ctx.planned.push(describeCommand(command, args, options))
      if (ctx.dryRun) return {command, args, exitCode: 0, stdout: '', stderr: ''}
      return run(command, args, options)
    },
    async privileged(why, command, args, options) {
      if (uid === undefined || uid === 0) return ctx.change(command, args, options)
      const elevator = await findElevator(which)
      if (!elevator) {
        throw new LocalcertError('NEEDS_ROOT', `${why}, and neither sudo nor doas is installed`, `run \`${[command, ...args].join(' ')}\` as root yourself, or skip this store (--no-system)`)
      }
      if (!explained.has(why)) {
        explained.add(why)
        if (!ctx.dryRun) log(`${why}: running ${elevator} ${command}${interactive ? ` (${elevator} may ask for your password)` : ` without a password prompt (${elevator} -n)`}`)
      }
      const result = await ctx.change(elevator, [...elevatorPrefix(elevator, interactive), command, ...args], options)
      if (result.exitCode !== 0 && PASSWORD_NEEDED.test(result.stderr)) {
        throw new LocalcertError('NEEDS_ROOT', `${why}, and ${elevator} cannot ask for a password without a terminal`, `run \`${elevator} -v\` in a terminal first (it remembers your password for a few minutes), then run localcert again`)
      }
      return result
    },
    plan(description) {
      ctx.planned.push(description)
    },
  }
  return ctx
}

/** `cmd 'arg with space'`: how planned commands are shown (--dry-run) and recorded. */
function describeCommand(command: string, args: string[], options?: ExecOptions): string {
  const quote = (word: string) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`)
  const line = [command, ...args].map(quote).join(' ')
  return options?.input === undefined ? line : `${line} < (certificate on stdin)`
}

/** A failed command turned into one line for a store report, with the next step (`hint`, else: run it by hand). */
export function commandError(result: ExecResult, action: string, hint?: string): LocalcertError {
  const detail = (result.stderr.trim() || result.stdout.trim()).split('\n').slice(-2).join(' ').slice(0, 300)
  if (result.exitCode === 127) return new LocalcertError('TOOL_MISSING', `${action}: \`${result.command}\` is not installed`, hint ?? `install ${result.command}, or leave this store out with --stores`)
  return new LocalcertError('COMMAND_FAILED', `${action}: \`${result.command} ${result.args.slice(0, 3).join(' ')}…\` exited ${result.exitCode}${detail ? ` (${detail})` : ''}`, hint ?? '`localcert trust install --dry-run` (or `trust uninstall --dry-run`) lists the exact commands: run the one that failed yourself to see its whole message')
}
