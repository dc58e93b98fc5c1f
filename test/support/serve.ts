import {spawn} from 'node:child_process'
import {BIN, onCleanup} from './env.js'

/** A running `localcert serve`: what it printed, its settings (with --json) and a way to stop it. */
export interface ServedEndpoint {
  home: string
  pid: number
  /** From the JSON `--json` prints (the default arguments); reading them when it printed none throws. */
  directoryUrl: string
  rootFile: string
  kid: string
  hmacKey: string
  stdout: () => string
  stderr: () => string
  /** Sends `signal` (SIGTERM unless told) unless it has already exited, and resolves with its exit code. */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

const printedJson = (stdout: string) => stdout.trimEnd().endsWith('}')

/**
 * Starts the built CLI's `localcert serve` (`--port 0 --json` unless `args` says otherwise) on `home` and resolves once `ready(stdout)`, by default when its JSON is out; stop it in an afterAll or the test to see its exit code (one still running after the test file is killed).
 * @example const endpoint = await serveEndpoint(home)  // endpoint.directoryUrl, endpoint.kid, endpoint.hmacKey; await endpoint.stop()
 */
export async function serveEndpoint(home: string, options: {args?: string[]; ready?: (stdout: string) => boolean; env?: NodeJS.ProcessEnv} = {}): Promise<ServedEndpoint> {
  const {args = ['--port', '0', '--json'], ready = printedJson} = options
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {env: {...process.env, LOCALCERT_HOME: home, ...options.env}, cwd: home})
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stop = async (signal: NodeJS.Signals = 'SIGTERM') => {
    process.off('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  // a test that fails before its stop(), or a serve that never got ready, does not outlive the test file
  onCleanup(() => stop('SIGKILL'))
  const started = Date.now()
  while (!ready(out)) {
    if (child.exitCode !== null) throw new Error(`localcert serve exited early (${child.exitCode}): ${err}`)
    if (Date.now() - started > 30_000) throw new Error(`localcert serve did not start: ${out} ${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const summary = args.includes('--json') ? JSON.parse(out) : undefined
  const json = () => {
    if (!summary) throw new Error(`localcert serve ${args.join(' ')} printed no JSON settings`)
    return summary
  }
  return {
    home,
    pid: child.pid!,
    get directoryUrl() { return json().directoryUrl },
    get rootFile() { return json().rootFile },
    get kid() { return json().env.ACME_KID },
    get hmacKey() { return json().env.ACME_HMAC_KEY },
    stdout: () => out,
    stderr: () => err,
    stop,
  }
}
