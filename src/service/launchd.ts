import {readFile, rm} from 'node:fs/promises'
import path from 'node:path'
import {exec, firstLine, type ExecResult} from '../lib/exec.js'
import {LocalcertError} from '../errors.js'
import {writeFileSafely} from '../state/files.js'
import type {InstallResult, ServiceContext, ServiceManager, ServiceSpec, ServiceState, UninstallResult} from './spec.js'

const LAUNCHD_LABEL = 'dev.localcert.serve'

/** `~/Library/LaunchAgents/dev.localcert.serve.plist`: a per-user agent, loaded at every login. */
function launchdPlistPath(context: ServiceContext): string {
  return path.join(context.userHome, 'Library', 'LaunchAgents', `${LAUNCHD_LABEL}.plist`)
}

/** Where the agent's stdout/stderr go (launchd has no journal for agents). */
function launchdLogPath(context: ServiceContext): string {
  return path.join(context.userHome, 'Library', 'Logs', 'localcert-serve.log')
}

function xml(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/**
 * The launch agent: runs at load (login), restarted by launchd only when it exits with an error.
 * @example renderPlist({program: '/usr/local/bin/node', args: ['/…/bin/run.js', 'serve'], env: {}}, '/Users/me/Library/Logs/localcert-serve.log')
 */
function renderPlist(spec: ServiceSpec, logFile: string): string {
  const strings = (values: string[], indent: string) => values.map((value) => `${indent}<string>${xml(value)}</string>`)
  const environment = Object.entries(spec.env)
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    '<dict>',
    '  <key>Label</key>',
    `  <string>${LAUNCHD_LABEL}</string>`,
    '  <key>ProgramArguments</key>',
    '  <array>',
    ...strings([spec.program, ...spec.args], '    '),
    '  </array>',
    ...(environment.length > 0
      ? ['  <key>EnvironmentVariables</key>', '  <dict>', ...environment.flatMap(([name, value]) => [`    <key>${xml(name)}</key>`, `    <string>${xml(value)}</string>`]), '  </dict>']
      : []),
    '  <key>RunAtLoad</key>',
    '  <true/>',
    '  <key>KeepAlive</key>',
    '  <dict>',
    '    <key>SuccessfulExit</key>',
    '    <false/>',
    '  </dict>',
    '  <key>ProcessType</key>',
    '  <string>Background</string>',
    '  <key>StandardOutPath</key>',
    `  <string>${xml(logFile)}</string>`,
    '  <key>StandardErrorPath</key>',
    `  <string>${xml(logFile)}</string>`,
    '</dict>',
    '</plist>',
    '',
  ].join('\n')
}

async function launchctl(...args: string[]): Promise<ExecResult> {
  return exec('launchctl', args, {reject: false, timeoutMs: 30_000})
}

/** macOS: a launch agent in the user's gui domain (`launchctl bootstrap gui/<uid>` / `bootout`). */
export function launchdManager(context: ServiceContext): ServiceManager {
  const file = launchdPlistPath(context)
  const domain = `gui/${context.uid}`
  const target = `${domain}/${LAUNCHD_LABEL}`
  const loaded = async () => (await launchctl('print', target)).exitCode === 0
  return {
    name: 'launchd',

    async install(spec: ServiceSpec): Promise<InstallResult> {
      const plist = renderPlist(spec, launchdLogPath(context))
      const changed = (await readFile(file, 'utf8').catch(() => undefined)) !== plist
      if (changed) await writeFileSafely(file, plist, 0o644)
      // bootstrap refuses a label that is already loaded; reload only when the plist changed.
      if (await loaded()) {
        if (!changed) return {manager: 'launchd', file, changed, started: true}
        await launchctl('bootout', target)
      }
      await launchctl('enable', target)
      const bootstrap = await launchctl('bootstrap', domain, file)
      if (bootstrap.exitCode !== 0) {
        throw new LocalcertError('COMMAND_FAILED', `launchctl bootstrap ${domain} failed: ${firstLine(bootstrap)}`, `see ${launchdLogPath(context)}, or run \`launchctl bootstrap ${domain} ${file}\` yourself`)
      }
      return {manager: 'launchd', file, changed, started: true}
    },

    async uninstall(): Promise<UninstallResult> {
      const present = (await readFile(file, 'utf8').catch(() => undefined)) !== undefined
      if (await loaded()) {
        const bootout = await launchctl('bootout', target)
        if (bootout.exitCode !== 0) throw new LocalcertError('COMMAND_FAILED', `launchctl bootout ${target} failed: ${firstLine(bootout)}`, `run \`launchctl bootout ${target}\` yourself, then uninstall again`)
      }
      if (present) await rm(file, {force: true})
      return {manager: 'launchd', file, removed: present}
    },

    async status(): Promise<ServiceState> {
      const installed = (await readFile(file, 'utf8').catch(() => undefined)) !== undefined
      const print = await launchctl('print', target)
      if (print.exitCode !== 0) return {manager: 'launchd', file, installed, running: false, detail: 'not loaded'}
      const state = /^\s*state = (.+)$/m.exec(print.stdout)?.[1]?.trim() ?? 'loaded'
      return {manager: 'launchd', file, installed, running: state === 'running', detail: state}
    },
  }
}
