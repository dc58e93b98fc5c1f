import {chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {cli} from './env.js'

export interface FakeSystemdOptions {
  /** `systemctl --user` cannot reach a user bus (containers, SSH without lingering): every call fails like that. */
  noBus?: boolean
  /** Shell run by `disable` before the service is marked stopped (e.g. kill the serve it runs). `$ROOT` is the box. */
  onDisable?: string
}

/**
 * For the built CLI (a separate process, which the in-process fake runner cannot reach): a fake `systemctl` first on
 * PATH that logs its arguments and keeps an "active" flag (enable sets it, disable clears it, is-active reports it),
 * with HOME and LOCALCERT_HOME in a temp dir, so the real user's systemd is never asked anything.
 * @example const box = fakeSystemd(root); await box.run('service', 'install'); expect(box.calls()).toContain('--user daemon-reload')
 */
export function fakeSystemd(root: string, options: FakeSystemdOptions = {}) {
  const userHome = path.join(root, 'home')
  const localcertHome = path.join(root, 'state')
  const bin = path.join(root, 'bin')
  const log = path.join(root, 'systemctl.log')
  mkdirSync(userHome, {recursive: true})
  mkdirSync(bin, {recursive: true})
  writeFileSync(path.join(bin, 'systemctl'), [
    '#!/bin/sh',
    `ROOT='${root}'`,
    `echo "$*" >> '${log}'`,
    options.noBus ? 'echo "Failed to connect to bus: No medium found" >&2; exit 1' : '',
    'case "$*" in *is-active*) if [ -f "$ROOT/active" ]; then echo active; else echo inactive; exit 3; fi;; esac',
    `case "$*" in *enable*) touch "$ROOT/active";; *disable*) ${options.onDisable ?? ''}${options.onDisable ? '; ' : ''}rm -f "$ROOT/active";; esac`,
    'exit 0',
    '',
  ].join('\n'))
  chmodSync(path.join(bin, 'systemctl'), 0o755)
  const env = {HOME: userHome, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', PATH: `${bin}${path.delimiter}${process.env.PATH}`}
  return {
    root,
    userHome,
    localcertHome,
    env,
    unit: path.join(userHome, '.config', 'systemd', 'user', 'localcert.service'),
    /** Runs the built CLI in this box. */
    run: (...args: string[]) => cli(args, {home: localcertHome, env}),
    /** What systemctl was asked, one line per call. */
    calls: () => (existsSync(log) ? readFileSync(log, 'utf8').trim().split('\n') : []),
  }
}
