import {readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {exec, firstLine, type ExecResult} from '../lib/exec.js'
import {LocalcertError} from '../errors.js'
import {writeFileSafely} from '../state/files.js'
import type {InstallResult, ServiceContext, ServiceManager, ServiceSpec, ServiceState, UninstallResult} from './spec.js'

const SYSTEMD_UNIT = 'localcert.service'

/** `$XDG_CONFIG_HOME/systemd/user/localcert.service`, where `systemctl --user` looks for user units. */
function systemdUnitPath(context: ServiceContext): string {
  const config = context.env.XDG_CONFIG_HOME && path.isAbsolute(context.env.XDG_CONFIG_HOME) ? context.env.XDG_CONFIG_HOME : path.join(context.userHome, '.config')
  return path.join(config, 'systemd', 'user', SYSTEMD_UNIT)
}

/** systemd's quoting: double quotes, backslash escapes, `%` specifiers doubled; `$` doubled in ExecStart arguments, not the program. */
function quote(value: string, execArgument: boolean): string {
  let escaped = value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')
  if (execArgument) escaped = escaped.replace(/\$/g, '$$$$')
  return `"${escaped}"`
}

/**
 * The user unit that runs `localcert serve` at login and restarts it if it crashes.
 * @example renderUnit({program: '/usr/bin/node', args: ['/opt/localcert/bin/run.js', 'serve'], env: {}})
 */
export function renderUnit(spec: ServiceSpec): string {
  if ([spec.program, ...spec.args, ...Object.values(spec.env)].some((value) => /[\n\r]/.test(value))) {
    throw new LocalcertError('INVALID_ARGUMENT', 'a path for the login service contains a line break', 'move localcert (or LOCALCERT_HOME) to a path without line breaks')
  }
  const environment = Object.entries(spec.env).map(([name, value]) => `Environment=${quote(`${name}=${value}`, false)}`)
  return [
    '# Written by `localcert service install`; remove with `localcert service uninstall`.',
    '[Unit]',
    'Description=localcert ACME endpoint (loopback only)',
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=${[quote(spec.program, false), ...spec.args.map((part) => quote(part, true))].join(' ')}`,
    ...environment,
    'Restart=on-failure',
    'RestartSec=2',
    '',
    '[Install]',
    'WantedBy=default.target',
    '',
  ].join('\n')
}

async function readIfPresent(file: string): Promise<string | undefined> {
  return readFile(file, 'utf8').catch(() => undefined)
}

/** `systemctl --user …` that never throws: a missing systemctl or an unreachable user bus is an answer, not a crash. */
async function systemctl(...args: string[]): Promise<ExecResult> {
  try {
    return await exec('systemctl', ['--user', ...args], {reject: false, timeoutMs: 30_000})
  } catch (error) {
    const message = error instanceof LocalcertError && error.code === 'TOOL_MISSING' ? 'systemctl is not installed' : (error as Error).message
    return {command: 'systemctl', args, exitCode: 127, stdout: '', stderr: message}
  }
}

/** systemctl could not talk to a user manager at all (not installed, no session bus), as opposed to a unit error. */
function unreachable(result: ExecResult): boolean {
  return result.exitCode === 127 || /Failed to connect to bus|No medium found|DBUS_SESSION_BUS_ADDRESS|XDG_RUNTIME_DIR/i.test(result.stderr)
}

/** systemd --user: a unit in ~/.config/systemd/user, enabled for default.target. */
export function systemdManager(context: ServiceContext): ServiceManager {
  const file = systemdUnitPath(context)
  const wantsLink = path.join(path.dirname(file), 'default.target.wants', SYSTEMD_UNIT)
  return {
    name: 'systemd',

    async install(spec: ServiceSpec): Promise<InstallResult> {
      const unit = renderUnit(spec)
      const previous = await readIfPresent(file)
      const changed = previous !== unit
      if (changed) await writeFileSafely(file, unit, 0o644)
      const reload = await systemctl('daemon-reload')
      if (reload.exitCode !== 0) {
        return {
          manager: 'systemd', file, changed, started: false, reason: `systemctl --user is not available here (${firstLine(reload)})`,
          manualSteps: ['systemctl --user daemon-reload', `systemctl --user enable --now ${SYSTEMD_UNIT}`],
        }
      }
      const enable = await systemctl('enable', '--now', SYSTEMD_UNIT)
      if (enable.exitCode !== 0) {
        throw new LocalcertError('COMMAND_FAILED', `systemctl --user enable --now ${SYSTEMD_UNIT} failed: ${firstLine(enable)}`, `run \`journalctl --user -u ${SYSTEMD_UNIT}\` to see why`)
      }
      // enable --now leaves an already running old version alone; an updated unit must take effect.
      if (changed && previous !== undefined) {
        const restart = await systemctl('restart', SYSTEMD_UNIT)
        if (restart.exitCode !== 0) throw new LocalcertError('COMMAND_FAILED', `systemctl --user restart ${SYSTEMD_UNIT} failed: ${firstLine(restart)}`, `run \`journalctl --user -u ${SYSTEMD_UNIT}\` to see why`)
      }
      return {manager: 'systemd', file, changed, started: true}
    },

    async uninstall(): Promise<UninstallResult> {
      const present = (await readIfPresent(file)) !== undefined
      const disable = await systemctl('disable', '--now', SYSTEMD_UNIT)
      const reachable = !unreachable(disable)
      if (!present) return {manager: 'systemd', file, removed: false}
      await rm(file, {force: true})
      // disable removes this link when the bus is up; without a bus we remove it so nothing dangles.
      await rm(wantsLink, {force: true})
      if (!reachable) {
        return {
          manager: 'systemd', file, removed: true, reason: `systemctl --user is not available here (${firstLine(disable)})`,
          manualSteps: [`systemctl --user stop ${SYSTEMD_UNIT}`, 'systemctl --user daemon-reload'],
        }
      }
      await systemctl('daemon-reload')
      return {manager: 'systemd', file, removed: true}
    },

    async status(): Promise<ServiceState> {
      const installed = (await readIfPresent(file)) !== undefined
      const active = await systemctl('is-active', SYSTEMD_UNIT)
      const answer = active.stdout.trim()
      // is-active prints a state (active, inactive, failed, activating…) when it reached the manager.
      if (/^[a-z-]+$/.test(answer)) return {manager: 'systemd', file, installed, running: answer === 'active', detail: answer}
      return {manager: 'systemd', file, installed, running: undefined, detail: firstLine(active)}
    },
  }
}
