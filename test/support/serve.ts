import {readFileSync} from 'node:fs'
import {startDevServer, type DevServer} from './dev-server.js'
import {BIN} from './env.js'

/** A running `localcert serve`: what it printed, its settings (with --json) and a way to stop it. */
export interface ServedEndpoint extends Pick<DevServer, 'pid' | 'stdout' | 'stderr' | 'stop'> {
  home: string
  /** From the JSON `--json` prints (the default arguments); reading them when it printed none throws. */
  directoryUrl: string
  rootFile: string
  kid: string
  hmacKey: string
}

const printedJson = (stdout: string) => stdout.trimEnd().endsWith('}')

/**
 * Starts the built CLI's `localcert serve` (`--port 0 --json` unless `args` says otherwise) on `home` with
 * startDevServer and resolves once `ready(stdout)`, by default when its JSON is out; stop it in an afterAll or the
 * test to see its exit code (one still running after the test file is stopped then).
 * @example const endpoint = await serveEndpoint(home)  // endpoint.directoryUrl, endpoint.kid, endpoint.hmacKey; await endpoint.stop()
 */
export async function serveEndpoint(home: string, options: {args?: string[]; ready?: (stdout: string) => boolean; env?: NodeJS.ProcessEnv} = {}): Promise<ServedEndpoint> {
  const {args = ['--port', '0', '--json'], ready = printedJson} = options
  const server = await startDevServer(process.execPath, [BIN, 'serve', ...args], {cwd: home, env: {LOCALCERT_HOME: home, ...options.env}, readyWhen: (_output, {stdout}) => ready(stdout), timeoutMs: 30_000, pollMs: 50})
  const summary = args.includes('--json') ? JSON.parse(server.stdout()) : undefined
  const json = () => {
    if (!summary) throw new Error(`localcert serve ${args.join(' ')} printed no JSON settings`)
    return summary
  }
  return {
    home,
    pid: server.pid,
    get directoryUrl() { return json().directoryUrl },
    get rootFile() { return json().rootFile },
    get kid() { return json().env.ACME_KID },
    // the key is never printed (not even with --json): read from the 0600 file serve names
    get hmacKey() { return JSON.parse(readFileSync(json().eabFile, 'utf8')).hmacKey },
    stdout: server.stdout,
    stderr: server.stderr,
    stop: server.stop,
  }
}
