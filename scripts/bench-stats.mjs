// What every benchmark script shares: order statistics over samples, whether a peer tool is installed, one timed
// run of a command, and the scratch directory a localcert-vs-mkcert bench runs in.
import {spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/** The p-quantile (0–1) of the samples, nearest rank; percentile(xs, 0.5) is the median. */
export const percentile = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]
export const median = (xs) => percentile(xs, 0.5)
/** True when `command` is on PATH (a peer such as mkcert or pebble is installed). */
export const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0

/**
 * Runs `command` to completion and returns its wall time in milliseconds; throws with its output when it fails.
 * `env` is added to this process's environment.
 */
export function timeRun(command, args, {cwd, env} = {}) {
  const start = process.hrtime.bigint()
  const result = spawnSync(command, args, {cwd, env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8'})
  const ms = Number(process.hrtime.bigint() - start) / 1e6
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}${result.stdout}`)
  return ms
}

/** The repository this script belongs to. */
export const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
/** A new scratch directory with a path for the localcert home and an mkcert CAROOT (created) inside; the caller removes it. */
export function benchScratch(prefix) {
  const work = mkdtempSync(path.join(tmpdir(), prefix))
  const caroot = path.join(work, 'mkcert')
  mkdirSync(caroot)
  return {work, home: path.join(work, 'home'), caroot}
}
