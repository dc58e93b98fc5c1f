import {execFileSync} from 'node:child_process'
import {appendFileSync} from 'node:fs'
import path from 'node:path'
import {tmpdir} from 'node:os'

/** Where skipped-test reasons are collected, so the global teardown can print them all at the end. */
export const SKIP_LOG = path.join(tmpdir(), `localcert-skips-${process.env.LOCALCERT_TEST_RUN ?? 'run'}.log`)

function onPath(command: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], {stdio: 'ignore'})
    return true
  } catch {
    return false
  }
}

/**
 * True when every tool is installed. When one is missing: under CI=true it throws (CI skips nothing);
 * elsewhere it records a loud skip reason and returns false, for `describe.skipIf(!hasTools(...))`.
 */
export function hasTools(what: string, ...commands: string[]): boolean {
  const missing = commands.filter((command) => !onPath(command))
  if (missing.length === 0) return true
  return skipping(`SKIPPED ${what}: missing ${missing.join(', ')} (run \`npm test\` as root on Debian/Ubuntu to install them)`)
}

/** True on Linux. Elsewhere: under CI=true it throws (CI skips nothing); else a loud skip reason and false, for `describe.skipIf(!onLinux(...))`. */
export function onLinux(what: string): boolean {
  if (process.platform === 'linux') return true
  return skipping(`SKIPPED ${what}: Linux only (this is ${process.platform})`)
}

/** Records `reason` for the end-of-run summary and returns false; under CI=true it throws instead. */
export function skipping(reason: string): false {
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true skips nothing`)
  appendFileSync(SKIP_LOG, reason + '\n')
  return false
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}
