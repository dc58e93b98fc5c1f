import {spawn, type ChildProcessWithoutNullStreams} from 'node:child_process'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, cli, sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'

interface Running {
  child: ChildProcessWithoutNullStreams
  stdout: () => string
  stderr: () => string
  exited: Promise<number | null>
}

/** Starts `localcert serve …` and resolves once `ready(stdout)` says it is listening. */
async function serve(home: string, args: string[], ready: (stdout: string) => boolean): Promise<Running> {
  const child = spawn(process.execPath, [BIN, 'serve', ...args], {env: {...process.env, LOCALCERT_HOME: home}, cwd: home})
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  const started = Date.now()
  while (!ready(out)) {
    if (child.exitCode !== null) throw new Error(`serve exited early (${child.exitCode}): ${err}`)
    if (Date.now() - started > 30_000) throw new Error(`serve did not start: ${out} ${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return {child, stdout: () => out, stderr: () => err, exited}
}

describe.skipIf(!hasTools('localcert serve', 'curl', 'ss'))('localcert serve', () => {
  it('prints its settings as JSON, answers over HTTPS on loopback only, announces itself and stops cleanly on SIGTERM', async () => {
    const home = tempDir('localcert-serve-')
    const server = await serve(home, ['--port', '0', '--json'], (out) => out.trimEnd().endsWith('}'))
    const summary = JSON.parse(server.stdout())
    expect(summary).toMatchObject({directoryUrl: expect.stringMatching(/^https:\/\/localhost:\d+\/directory$/), eabRequired: true, listening: [`127.0.0.1:${summary.port}`, `[::1]:${summary.port}`]})
    expect(summary.env).toMatchObject({ACME_DIRECTORY_URL: summary.directoryUrl, ACME_KID: expect.any(String), ACME_HMAC_KEY: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/), NODE_EXTRA_CA_CERTS: path.join(home, 'trust', 'roots.pem'), REQUESTS_CA_BUNDLE: path.join(home, 'trust', 'bundle.pem'), SSL_CERT_FILE: path.join(home, 'trust', 'bundle.pem'), LEGO_CA_CERTIFICATES: path.join(home, 'trust', 'roots.pem')})
    // the bundle is the system's plus our root, so a client given it still reaches public sites
    expect(readFileSync(summary.env.REQUESTS_CA_BUNDLE, 'utf8')).toContain(readFileSync(summary.rootFile, 'utf8').trim())
    expect(readFileSync(summary.env.REQUESTS_CA_BUNDLE, 'utf8').match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(10)

    // HTTPS with our root, and nothing in plain HTTP
    const directory = await sh('curl', ['-sS', '--cacert', summary.rootFile, summary.directoryUrl])
    expect(JSON.parse(directory.stdout).meta.externalAccountRequired).toBe(true)
    expect((await sh('curl', ['-sS', `http://127.0.0.1:${summary.port}/directory`])).code).not.toBe(0)
    // listening sockets: loopback only
    const sockets = (await sh('ss', ['-Hltn', `sport = :${summary.port}`])).stdout.trim().split('\n').map((line) => line.trim().split(/\s+/)[3])
    expect(sockets.sort()).toEqual([`127.0.0.1:${summary.port}`, `[::1]:${summary.port}`])

    // the discovery contract `localcert env` reads
    const endpoint = JSON.parse(readFileSync(path.join(home, 'acme', 'endpoint.json'), 'utf8'))
    expect(endpoint).toMatchObject({directoryUrl: summary.directoryUrl, port: summary.port, pid: server.child.pid})
    const eab = JSON.parse(readFileSync(path.join(home, 'acme', 'eab.json'), 'utf8'))
    expect(eab).toEqual({kid: summary.env.ACME_KID, hmacKey: summary.env.ACME_HMAC_KEY})

    // a second server on the same state is refused with a clear message
    const second = await cli(['serve', '--port', '0'], {home})
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/already running at https:\/\/localhost:\d+\/directory/)

    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
    expect(existsSync(path.join(home, 'acme', 'endpoint.json'))).toBe(false)
  })

  it('prints the directory URL, the variables and how to stop, and exits 0 on SIGINT', async () => {
    const home = tempDir('localcert-serve-human-')
    const server = await serve(home, ['--port', '0'], (out) => out.includes('Ctrl+C'))
    const text = server.stdout()
    expect(text).toMatch(/^localcert ACME server: https:\/\/localhost:\d+\/directory$/m)
    for (const name of ['ACME_DIRECTORY_URL', 'ACME_KID', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'LEGO_CA_CERTIFICATES']) expect(text).toMatch(new RegExp(`^  export ${name}='\\S+'$`, 'm'))
    // stdout is a pipe here (as in a service log): the HMAC key is a secret and is not written into it
    const eab = JSON.parse(readFileSync(path.join(home, 'acme', 'eab.json'), 'utf8'))
    expect(text).not.toContain(eab.hmacKey)
    expect(text).toMatch(/ACME_HMAC_KEY is not printed \(stdout is not a terminal\)/)
    expect(server.stderr()).toMatch(/Created a new local CA/)
    server.child.kill('SIGINT')
    expect(await server.exited).toBe(0)
  })

  it('--quiet prints only the URL (no credentials); --no-eab advertises open registration', async () => {
    const home = tempDir('localcert-serve-quiet-')
    const server = await serve(home, ['--port', '0', '--quiet', '--no-eab'], (out) => out.includes('\n'))
    expect(server.stdout().trim()).toMatch(/^https:\/\/localhost:\d+\/directory$/)
    const directory = await sh('curl', ['-sS', '--cacert', path.join(home, 'ca', 'root.pem'), server.stdout().trim()])
    expect(JSON.parse(directory.stdout).meta.externalAccountRequired).toBe(false)
    server.child.kill('SIGTERM')
    expect(await server.exited).toBe(0)
  })

  it('explains a busy port', async () => {
    const home = tempDir('localcert-serve-port-')
    const server = await serve(home, ['--port', '0', '--json'], (out) => out.trimEnd().endsWith('}'))
    const {port} = JSON.parse(server.stdout())
    const busy = await cli(['serve', '--port', String(port)], {home: tempDir('localcert-serve-port2-')})
    expect(busy.code).toBe(1)
    expect(busy.stderr).toMatch(new RegExp(`port ${port} is already in use[\\s\\S]*--port`))
    server.child.kill('SIGTERM')
    await server.exited
  })
})
