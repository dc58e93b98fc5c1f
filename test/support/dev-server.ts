import {spawn} from 'node:child_process'
import http2 from 'node:http2'
import https from 'node:https'
import net from 'node:net'
import type {TLSSocket} from 'node:tls'
import {onCleanup} from './env.js'

/** A dev server started by `startDevServer`: its output so far and a way to stop it and everything it spawned. */
export interface DevServer {
  pid: number
  /** stdout and stderr so far, interleaved as they arrived. */
  output: () => string
  stdout: () => string
  stderr: () => string
  /**
   * `signal` (SIGTERM unless told) to its whole process group, SIGKILL to what is left after `graceMs`; resolves with
   * the leader's exit code (null when a signal ended it). Only the first call signals; later ones wait for the same exit.
   */
  stop: (signal?: NodeJS.Signals) => Promise<number | null>
}

/** A RegExp tried on the interleaved output, or a predicate given it and each stream apart. */
export type ReadyCheck = RegExp | ((output: string, streams: {stdout: string; stderr: string}) => boolean | Promise<boolean>)

/** A ready check that passes once something accepts TCP connections on 127.0.0.1:port (output-independent). */
export function listening(port: number, host = '127.0.0.1'): ReadyCheck {
  return () => new Promise<boolean>((resolve) => {
    const socket = net.connect(port, host)
    const done = (open: boolean) => {
      socket.destroy()
      resolve(open)
    }
    socket.once('connect', () => done(true)).once('error', () => done(false))
    socket.setTimeout(1_000, () => done(false))
  })
}

/** How `startDevServer` runs: where, with what added to the environment, when it is ready, how long it may take. */
export interface DevServerOptions {
  cwd: string
  env?: NodeJS.ProcessEnv
  readyWhen: ReadyCheck
  /** Not ready by then: stopped, and the start fails with its output (60 s unless told). */
  timeoutMs?: number
  /** How long stop() waits after its signal before SIGKILL (5 s unless told). */
  graceMs?: number
  /** How often a predicate `readyWhen` is tried (200 ms unless told). */
  pollMs?: number
}

/**
 * Spawns `command args` in a process group of its own and resolves once `readyWhen` passes (a RegExp tried on the
 * output, or a predicate polled every `pollMs`); it is stopped after the test file even if the test never calls stop().
 * Fails with the output if the process exits first or is not ready within `timeoutMs`.
 * @example const server = await startDevServer(process.execPath, ['server.mjs'], {cwd, env: {PORT: String(port)}, readyWhen: listening(port)})
 */
export async function startDevServer(command: string, args: string[], options: DevServerOptions): Promise<DevServer> {
  const {cwd, env = {}, readyWhen, timeoutMs = 60_000, graceMs = 5_000, pollMs = 200} = options
  const child = spawn(command, args, {cwd, env: {...process.env, ...env}, detached: true, stdio: ['ignore', 'pipe', 'pipe']})
  let out = ''
  const streams = {stdout: '', stderr: ''}
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    streams.stdout += chunk.toString()
  })
  child.stderr.on('data', (chunk: Buffer) => {
    out += chunk.toString()
    streams.stderr += chunk.toString()
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const spawned = new Promise<void>((resolve, reject) => child.once('spawn', resolve).once('error', reject))
  await spawned
  const pid = child.pid!
  const killGroup = (signal: NodeJS.Signals) => {
    try {
      process.kill(-pid, signal)
    } catch {
      // the group is already empty
    }
  }
  const killOnExit = () => killGroup('SIGKILL')
  process.once('exit', killOnExit)
  let stopping: Promise<number | null> | undefined
  const stop = (signal: NodeJS.Signals = 'SIGTERM') => {
    stopping ??= (async () => {
      killGroup(signal)
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, graceMs).unref())])
      // children that outlive the leader (compilers, workers) share its group
      killGroup('SIGKILL')
      const code = await exited
      process.off('exit', killOnExit)
      return code
    })()
    return stopping
  }
  onCleanup(() => stop())
  const ready = typeof readyWhen === 'function' ? readyWhen : (text: string) => readyWhen.test(text)
  const started = Date.now()
  while (!(await ready(out, streams))) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`${command} ${args.join(' ')} exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${out}`)
    if (Date.now() - started > timeoutMs) {
      await stop()
      throw new Error(`${command} ${args.join(' ')} was not ready after ${timeoutMs} ms:\n${out}`)
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
  return {pid, output: () => out, stdout: () => streams.stdout, stderr: () => streams.stderr, stop}
}

/** What `fetchTrusting` got back, and over what the connection ran. */
export interface TrustedResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
  /** ALPN result: 'h2' over HTTP/2, 'http/1.1' or false over HTTPS/1.1. */
  alpn: string | false
  /** The leaf certificate's subjectAltName as the server sent it. */
  subjectAltName: string
}

/** How `fetchTrusting` connects: SNI and the name checked, HTTP/2 or not, extra headers, how long it waits (120 s). */
export interface FetchOptions {
  servername?: string
  http2?: boolean
  headers?: Record<string, string>
  timeoutMs?: number
}

/**
 * GETs `url` over TLS trusting `rootPem` and nothing else (not Node's bundled roots, not the OS store). `servername`
 * sets SNI and the name checked against the certificate, so a name that does not resolve here (app.localhost) can
 * be tested on 127.0.0.1. With `http2: true` it speaks HTTP/2 (node:http2), else HTTPS/1.1 (node:https).
 * @example const page = await fetchTrusting(`https://127.0.0.1:${port}/`, rootPem, {servername: 'app.localhost'})
 */
export function fetchTrusting(url: string, rootPem: string, options: FetchOptions = {}): Promise<TrustedResponse> {
  const {servername, timeoutMs = 120_000} = options
  const target = new URL(url)
  const tls = {ca: rootPem, ...(servername ? {servername} : {})}
  if (options.http2) {
    return new Promise((resolve, reject) => {
      const session = http2.connect(target.origin, tls)
      session.once('error', reject)
      session.setTimeout(timeoutMs, () => session.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)))
      const request = session.request({':path': target.pathname + target.search, ...(servername ? {':authority': `${servername}:${target.port}`} : {}), ...options.headers})
      let status = 0
      let headers: TrustedResponse['headers'] = {}
      let body = ''
      request.on('response', (received) => {
        status = Number(received[':status'])
        headers = received
      })
      request.setEncoding('utf8')
      request.on('data', (chunk: string) => (body += chunk))
      request.once('error', reject)
      request.once('end', () => {
        const socket = session.socket as TLSSocket
        const answer: TrustedResponse = {status, headers, body, alpn: typeof session.alpnProtocol === 'string' ? session.alpnProtocol : false, subjectAltName: socket.getPeerCertificate().subjectaltname ?? ''}
        session.close()
        resolve(answer)
      })
    })
  }
  return new Promise((resolve, reject) => {
    const request = https.get(target, {...tls, agent: false, headers: {...(servername ? {host: `${servername}:${target.port}`} : {}), ...options.headers}}, (response) => {
      const socket = response.socket as TLSSocket
      const alpn: string | false = typeof socket.alpnProtocol === 'string' ? socket.alpnProtocol : false
      const subjectAltName = socket.getPeerCertificate().subjectaltname ?? ''
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => (body += chunk))
      response.once('end', () => resolve({status: response.statusCode ?? 0, headers: response.headers, body, alpn, subjectAltName}))
      response.once('error', reject)
    })
    request.setTimeout(timeoutMs, () => request.destroy(new Error(`no answer from ${url} in ${timeoutMs} ms`)))
    request.once('error', reject)
  })
}
