import {execFile} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {promisify} from 'node:util'
import {afterAll} from 'vitest'

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
export const BIN = path.join(ROOT, 'bin', 'run.js')
const run = promisify(execFile)

// afterAll() called from inside a beforeAll or a test is silently dropped by vitest, so helpers register their
// clean-ups here instead: one afterAll, registered when a test file imports this module, runs them all (last first).
const cleanups: Array<() => unknown> = []
afterAll(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

/** Runs `cleanup` after the current test file, wherever it is called from (top level, beforeAll, a test). */
export function onCleanup(cleanup: () => unknown): void {
  cleanups.push(cleanup)
}

/** A fresh directory removed after the test file; `prefix` shows up in its name. */
export function tempDir(prefix = 'localcert-test-'): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix))
  onCleanup(() => rmSync(dir, {recursive: true, force: true}))
  return dir
}

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs the built CLI (`npm run build` first) with LOCALCERT_HOME set; never throws on a non-zero exit. */
export async function cli(args: string[], options: {home: string; cwd?: string; env?: NodeJS.ProcessEnv}): Promise<CliResult> {
  try {
    const {stdout, stderr} = await run(process.execPath, [BIN, ...args], {
      cwd: options.cwd ?? path.dirname(options.home),
      env: {...process.env, LOCALCERT_HOME: options.home, ...options.env},
      maxBuffer: 16 * 1024 * 1024,
    })
    return {code: 0, stdout, stderr}
  } catch (error) {
    const failure = error as {code?: number; stdout?: string; stderr?: string}
    return {code: typeof failure.code === 'number' ? failure.code : 1, stdout: failure.stdout ?? '', stderr: failure.stderr ?? ''}
  }
}

/** Runs a command and returns its exit code and output, never throwing; `input` is written to its stdin (else stdin is closed). */
export function sh(command: string, args: string[], options: {cwd?: string; env?: NodeJS.ProcessEnv; input?: string} = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(command, args, {cwd: options.cwd, env: {...process.env, ...options.env}, maxBuffer: 16 * 1024 * 1024}, (error, stdout, stderr) => {
      if (!error) return resolve({code: 0, stdout, stderr})
      const failure = error as {code?: number | string; message?: string}
      resolve({code: typeof failure.code === 'number' ? failure.code : 127, stdout: stdout ?? '', stderr: stderr || failure.message || ''})
    })
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.input ?? '')
  })
}
