import {spawn} from 'node:child_process'
import {createPrivateKey, X509Certificate} from 'node:crypto'
import {readFileSync, writeFileSync} from 'node:fs'
import net from 'node:net'
import path from 'node:path'
import {expect} from 'vitest'
import {BIN, sh} from '../support/env.js'

/** What `localcert serve --json` prints, plus a way to stop it. */
export interface ServedEndpoint {
  home: string
  directoryUrl: string
  rootFile: string
  kid: string
  hmacKey: string
  stderr: () => string
  stop: () => Promise<number | null>
}

/**
 * Starts the built CLI's `localcert serve --port 0 --json` on `home` (a LOCALCERT_HOME, loopback only) and resolves
 * once it has printed its settings. The caller stops it in an afterAll (vitest ignores hooks added from inside
 * beforeAll); it is also killed if the test process exits first.
 * @example const endpoint = await serveEndpoint(home)  // endpoint.directoryUrl, endpoint.kid, endpoint.hmacKey
 */
export async function serveEndpoint(home: string): Promise<ServedEndpoint> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json'], {env: {...process.env, LOCALCERT_HOME: home}, cwd: home})
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()))
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  const stop = async () => {
    process.off('exit', killOnExit)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    return exited
  }
  const started = Date.now()
  while (!out.trimEnd().endsWith('}')) {
    if (child.exitCode !== null) throw new Error(`localcert serve exited early (${child.exitCode}): ${err}`)
    if (Date.now() - started > 30_000) throw new Error(`localcert serve did not start: ${out} ${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const summary = JSON.parse(out)
  return {home, directoryUrl: summary.directoryUrl, rootFile: summary.rootFile, kid: summary.env.ACME_KID, hmacKey: summary.env.ACME_HMAC_KEY, stderr: () => err, stop}
}

/** A free TCP port on 127.0.0.1, for challenge listeners a client wants configured (ours never contacts them). */
export async function freePort(): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()))
  const {port} = server.address() as net.AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** The certificates of a PEM bundle, leaf first. */
export function pemBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----\n?/g) ?? []
}

/**
 * Proves a client's files are a usable chain: `openssl verify -CAfile root -untrusted intermediate leaf` succeeds,
 * the leaf's SANs are exactly `sans`, and the private key the client kept matches the leaf. Returns the leaf.
 */
export async function expectVerifiedChain(dir: string, chainFile: string, keyFile: string, rootFile: string, sans: string[]): Promise<X509Certificate> {
  const blocks = pemBlocks(readFileSync(chainFile, 'utf8'))
  expect(blocks).toHaveLength(2)
  const leafFile = path.join(dir, `${path.basename(chainFile)}.leaf.pem`)
  const intermediateFile = path.join(dir, `${path.basename(chainFile)}.intermediate.pem`)
  writeFileSync(leafFile, blocks[0]!)
  writeFileSync(intermediateFile, blocks[1]!)
  const verified = await sh('openssl', ['verify', '-CAfile', rootFile, '-untrusted', intermediateFile, leafFile])
  expect(verified.stderr).toBe('')
  expect(verified.stdout.trim()).toBe(`${leafFile}: OK`)
  const leaf = new X509Certificate(blocks[0]!)
  expect(leaf.subjectAltName!.split(', ').sort()).toEqual([...sans].sort())
  expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))).toBe(true)
  return leaf
}
