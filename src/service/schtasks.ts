import {readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {exec, firstLine, type ExecResult} from '../lib/exec.js'
import {LocalcertError} from '../errors.js'
import {writeFileSafely} from '../state/files.js'
import type {InstallResult, ServiceContext, ServiceManager, ServiceSpec, ServiceState, UninstallResult} from './spec.js'

const TASK_NAME = 'localcert-serve'

/** The launcher the task runs: schtasks cannot set environment variables and caps /TR at 262 characters. */
function launcherPath(context: ServiceContext): string {
  return path.join(context.localcertHome, 'service', 'localcert-serve.cmd')
}

/** Batch-file quoting: `%` doubles, everything else is literal inside double quotes (Windows paths hold no `"`). */
function batch(value: string): string {
  return value.replace(/%/g, '%%')
}

/**
 * The .cmd the scheduled task starts: sets LOCALCERT_HOME when pinned, runs `node run.js serve`, appends to a log.
 * @example renderLauncher({program: 'C:\\node\\node.exe', args: ['C:\\lc\\bin\\run.js', 'serve'], env: {}}, 'C:\\lc\\service\\serve.log')
 */
export function renderLauncher(spec: ServiceSpec, logFile: string): string {
  if ([spec.program, ...spec.args, ...Object.values(spec.env), logFile].some((value) => /["\r\n]/.test(value))) {
    throw new LocalcertError('INVALID_ARGUMENT', 'a path for the login task contains a quote or a line break', 'move localcert (or LOCALCERT_HOME) to a plainer path')
  }
  return [
    '@echo off',
    'rem Written by `localcert service install`; remove with `localcert service uninstall`.',
    ...Object.entries(spec.env).map(([name, value]) => `set "${name}=${batch(value)}"`),
    `${[spec.program, ...spec.args].map((part) => `"${batch(part)}"`).join(' ')} >> "${batch(logFile)}" 2>&1`,
    '',
  ].join('\r\n')
}

async function schtasks(...args: string[]): Promise<ExecResult> {
  return exec('schtasks', args, {reject: false, timeoutMs: 30_000})
}

/** Windows: a scheduled task that starts the launcher at logon (`schtasks /Create /SC ONLOGON`). */
export function schtasksManager(context: ServiceContext): ServiceManager {
  const file = launcherPath(context)
  const logFile = path.join(path.dirname(file), 'serve.log')
  const query = async () => schtasks('/Query', '/TN', TASK_NAME, '/FO', 'CSV', '/NH')
  return {
    name: 'schtasks',

    async install(spec: ServiceSpec): Promise<InstallResult> {
      const launcher = renderLauncher(spec, logFile)
      const changed = (await readFile(file, 'utf8').catch(() => undefined)) !== launcher
      if (changed) await writeFileSafely(file, launcher, 0o644)
      // /F replaces an existing task of the same name, so installing twice leaves one task.
      const create = await schtasks('/Create', '/F', '/TN', TASK_NAME, '/SC', 'ONLOGON', '/IT', '/RL', 'LIMITED', '/TR', `"${file}"`)
      if (create.exitCode !== 0) {
        throw new LocalcertError('COMMAND_FAILED', `schtasks /Create failed: ${firstLine(create)}`, 'if it says access is denied, run the same command from a terminal opened with "Run as administrator"')
      }
      const running = /"Running"/.test((await query()).stdout)
      if (changed && running) await schtasks('/End', '/TN', TASK_NAME)
      if (changed || !running) {
        const run = await schtasks('/Run', '/TN', TASK_NAME)
        if (run.exitCode !== 0) throw new LocalcertError('COMMAND_FAILED', `schtasks /Run failed: ${firstLine(run)}`, `see ${logFile}`)
      }
      return {manager: 'schtasks', file, changed, started: true}
    },

    async uninstall(): Promise<UninstallResult> {
      const present = (await query()).exitCode === 0
      if (present) {
        await schtasks('/End', '/TN', TASK_NAME)
        const remove = await schtasks('/Delete', '/TN', TASK_NAME, '/F')
        if (remove.exitCode !== 0) throw new LocalcertError('COMMAND_FAILED', `schtasks /Delete failed: ${firstLine(remove)}`, `run \`schtasks /Delete /TN ${TASK_NAME} /F\` yourself`)
      }
      const launcher = (await readFile(file, 'utf8').catch(() => undefined)) !== undefined
      await rm(file, {force: true})
      return {manager: 'schtasks', file, removed: present || launcher}
    },

    async status(): Promise<ServiceState> {
      const result = await query()
      if (result.exitCode !== 0) return {manager: 'schtasks', file, installed: false, running: false, detail: 'no such task'}
      // CSV row: "\localcert-serve","<next run>","<Ready|Running|Disabled>"
      const state = /"([^"]*)"\s*$/.exec(result.stdout.trim())?.[1] ?? 'unknown'
      return {manager: 'schtasks', file, installed: true, running: state === 'Running', detail: state}
    },
  }
}
