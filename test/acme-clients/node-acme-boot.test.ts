import {spawn} from 'node:child_process'
import {mkdirSync, readFileSync, symlinkSync, writeFileSync} from 'node:fs'
import https from 'node:https'
import type {TLSSocket} from 'node:tls'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cli, onCleanup, ROOT, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {freePort} from '../support/net.js'
import {opensslVerify} from '../support/pki.js'
import {serveEndpoint, type ServedEndpoint} from '../support/serve.js'
import {readmeRecipe} from '../support/recipes.js'

/** The README's "A Node server that gets its certificate over ACME" program, exactly as printed there. */
const readmeProgram = (): string => readmeRecipe('node-acme-boot').code

// Preloaded into the recipe's process: delays of a minute or more (ARI's Retry-After of an hour, the one-minute retry)
// pass 1000 times faster, so the test sees the program poll ARI and react without waiting an hour. Shorter timers
// (sockets, HTTP clients) are left alone.
const FAST_TIMERS = `const slow = globalThis.setTimeout
globalThis.setTimeout = (fn, ms, ...args) => slow(fn, ms >= 60_000 ? ms / 1000 : ms, ...args)
`

interface Seen {
  serial: string
  issuerFingerprint: string
  subjectaltname: string
  body: string
  chainPem: string
}

const toPem = (der: Buffer) => `-----BEGIN CERTIFICATE-----\n${der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n?$/, '\n')}-----END CERTIFICATE-----\n`

/** GET https://127.0.0.1:port/ on a fresh connection that trusts only `rootPem` (so the IP SAN is checked too). */
function fetchPage(port: number, rootPem: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const request = https.get({host: '127.0.0.1', port, path: '/', ca: rootPem, agent: false}, (response) => {
      const peer = (response.socket as TLSSocket).getPeerCertificate(true)
      let body = ''
      response.setEncoding('utf8').on('data', (chunk: string) => (body += chunk)).on('end', () => resolve({
        serial: peer.serialNumber,
        issuerFingerprint: peer.issuerCertificate.fingerprint256,
        subjectaltname: peer.subjectaltname ?? '',
        body,
        chainPem: toPem(peer.raw) + toPem(peer.issuerCertificate.raw),
      }))
    })
    request.on('error', reject)
  })
}

/** Retries `fn` every 200 ms until `done(result)` or 60 s, then fails with the last error or result. */
async function until<T>(fn: () => Promise<T>, done: (result: T) => boolean, what: string, log: () => string): Promise<T> {
  const started = Date.now()
  let last: unknown
  while (Date.now() - started < 60_000) {
    try {
      const result = await fn()
      if (done(result)) return result
      last = result
    } catch (error) {
      last = error
    }
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  throw new Error(`${what}: last seen ${last instanceof Error ? last.message : JSON.stringify(last)}\n${log()}`)
}

describe.skipIf(!hasTools('the Node-over-ACME recipe', 'openssl'))('README recipe: a Node server that gets its certificate over ACME at boot', () => {
  const home = tempDir('localcert-node-acme-home-')
  const app = tempDir('localcert-node-acme-app-')
  let endpoint: ServedEndpoint

  beforeAll(async () => {
    endpoint = await serveEndpoint(home)
  })
  afterAll(async () => {
    expect(await endpoint?.stop()).toBe(0)
  })

  it('boots with only the `localcert env` variables, serves HTTPS that our root verifies, and swaps in a new certificate when ARI says renew, without restarting', async () => {
    writeFileSync(path.join(app, 'server.mjs'), readmeProgram())
    writeFileSync(path.join(app, 'fast-timers.mjs'), FAST_TIMERS)
    // `npm install acme-client`, as the README says, done by linking the copy this repository already has
    mkdirSync(path.join(app, 'node_modules'))
    symlinkSync(path.join(ROOT, 'node_modules', 'acme-client'), path.join(app, 'node_modules', 'acme-client'))
    // what `eval "$(localcert env)"` sets: the variables, and ACME_HMAC_KEY read from the file env names
    const environment = JSON.parse((await cli(['env', '--json'], {home})).stdout) as {variables: Record<string, string>; fromFiles: Record<string, string>}
    const printed = {...environment.variables, ...Object.fromEntries(Object.entries(environment.fromFiles).map(([name, file]) => [name, readFileSync(file, 'utf8')]))}
    expect(Object.keys(printed)).toEqual(expect.arrayContaining(['ACME_DIRECTORY_URL', 'ACME_KID', 'ACME_HMAC_KEY', 'NODE_EXTRA_CA_CERTS']))
    const port = await freePort()
    // nothing of the test's own environment: PATH, the printed variables and the port
    const child = spawn(process.execPath, ['--import', './fast-timers.mjs', 'server.mjs'], {cwd: app, env: {PATH: process.env.PATH, ...printed, PORT: String(port)}})
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    onCleanup(() => child.kill('SIGKILL'))
    const log = () => `recipe output:\n${output}`
    const rootPem = readFileSync(endpoint.rootFile, 'utf8')

    const first = await until(() => fetchPage(port, rootPem), () => true, 'the recipe never served HTTPS', log)
    expect(first.body).toBe('hello over ACME\n')
    expect(first.subjectaltname.split(', ').sort()).toEqual(['DNS:app.localhost', 'IP Address:127.0.0.1'])
    expect((await opensslVerify(first.chainPem, {rootPem}, ['-purpose', 'sslserver'])).stdout.trim()).toMatch(/: OK$/)

    // a rotated intermediate moves every ARI window into the past: the program must notice and renew
    const rotated = await cli(['rotate'], {home})
    expect(rotated.code, rotated.stderr).toBe(0)
    const second = await until(() => fetchPage(port, rootPem), (seen) => seen.serial !== first.serial, 'the recipe never swapped its certificate', log)
    expect(second.issuerFingerprint).not.toBe(first.issuerFingerprint)
    expect(second.subjectaltname.split(', ').sort()).toEqual(['DNS:app.localhost', 'IP Address:127.0.0.1'])
    expect((await opensslVerify(second.chainPem, {rootPem}, ['-purpose', 'sslserver'])).stdout.trim()).toMatch(/: OK$/)
    expect(child.exitCode, log()).toBeNull()
    expect(output).not.toMatch(/certificate renewal:/)
  }, 180_000)
})
