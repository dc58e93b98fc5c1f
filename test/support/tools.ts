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
  const reason = `SKIPPED ${what}: missing ${missing.join(', ')} (run \`npm test\` as root on Debian/Ubuntu to install them)`
  if (process.env.CI === 'true') throw new Error(`${reason}, and CI=true skips nothing`)
  appendFileSync(SKIP_LOG, reason + '\n')
  return false
}

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0
}
