import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {pemBlocks} from '../../src/lib/pem.js'
import path from 'node:path'
import {expect} from 'vitest'
import {uninstallRoot} from '../../src/trust/everywhere.js'
import {parseRoot, type TrustRoot} from '../../src/trust/root.js'
import {BIN, sh} from '../support/env.js'

// Shared by the rotate --root tests: what each store trusts, read with the store's own tool (never with localcert),
// and the CLI run as a child that stops between steps (LOCALCERT_ROTATE_PAUSE).

export const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
const ANCHORS = '/usr/local/share/ca-certificates'
const KEYTOOL = ['-J-Duser.language=en', '-J-XX:TieredStopAtLevel=1', '-J-XX:+UseSerialGC']

/** The base64 body of a PEM certificate, whitespace removed, to find it in any store's PEM listing. */
const body = (pem: string) => pem.replace(/-----[A-Z ]+-----|\s/g, '')

export interface Places {
  home: string
  nssdbs: string[]
  /** A JDK-like directory holding a copy of the machine's cacerts (lib/security/cacerts). */
  jdk?: string
  system: boolean
}

export function rootOf(home: string): TrustRoot {
  return parseRoot(readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8'), 'root.pem')
}

/** A fresh NSS database (what Chromium keeps in ~/.pki/nssdb). */
export async function makeNssDb(dir: string): Promise<string> {
  mkdirSync(dir, {recursive: true})
  expect((await sh('certutil', ['-N', '--empty-password', '-d', `sql:${dir}`])).code).toBe(0)
  return dir
}

/** Does each place trust `root`? Keys name the place; read with certutil, openssl, keytool and the bundle files. */
export async function trustedIn(root: TrustRoot, places: Places): Promise<Record<string, boolean>> {
  const found: Record<string, boolean> = {}
  for (const db of places.nssdbs) {
    const list = await sh('certutil', ['-L', '-d', `sql:${db}`])
    found[`nss ${path.basename(db)}`] = list.stdout.split('\n').some((line) => new RegExp(`^${root.name}\\s+C,,\\s*$`).test(line))
  }
  if (places.system) {
    const anchor = path.join(ANCHORS, `${root.name}.crt`)
    const verified = existsSync(anchor) && (await sh('openssl', ['verify', '-CAfile', SYSTEM_BUNDLE, anchor])).code === 0
    found.system = verified && body(readFileSync(SYSTEM_BUNDLE, 'utf8')).includes(body(root.pem))
  }
  if (places.jdk) {
    const java = await sh('keytool', [...KEYTOOL, '-list', '-rfc', '-keystore', path.join(places.jdk, 'lib', 'security', 'cacerts'), '-storepass', 'changeit'])
    expect(java.code, java.stderr).toBe(0)
    found.java = body(java.stdout).includes(body(root.pem))
  }
  for (const file of ['roots.pem', 'bundle.pem']) {
    const text = readFileSync(path.join(places.home, 'trust', file), 'utf8')
    found[`runtimes ${file}`] = body(text).includes(body(root.pem))
  }
  return found
}

/** Every place trusts at least one of the two roots (the promise of rotate --root), and returns both maps. */
export async function neverNeither(oldRoot: TrustRoot, newRoot: TrustRoot | undefined, places: Places) {
  const old = await trustedIn(oldRoot, places)
  const fresh = newRoot ? await trustedIn(newRoot, places) : Object.fromEntries(Object.keys(old).map((key) => [key, false]))
  for (const place of Object.keys(old)) expect(old[place] || fresh[place], `${place} trusts neither root`).toBe(true)
  return {old, fresh}
}

export const all = (map: Record<string, boolean>, value: boolean) => Object.values(map).every((entry) => entry === value)

/** `localcert rotate …` as a child process that pauses after each step until `resume()`; `kill` sends a signal. */
export function pausingRotate(args: string[], options: {home: string; env: NodeJS.ProcessEnv; pauseFile: string}) {
  rmSync(options.pauseFile, {force: true})
  const child = spawn(process.execPath, [BIN, 'rotate', ...args], {cwd: path.dirname(options.home), env: {...process.env, LOCALCERT_HOME: options.home, LOCALCERT_ROTATE_PAUSE: options.pauseFile, ...options.env}, stdio: ['ignore', 'pipe', 'pipe']})
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<{code: number | null; stdout: string; stderr: string}>((resolve) => child.once('exit', (code) => resolve({code, stdout, stderr})))
  let ended = false
  void exited.then(() => (ended = true))
  return {
    /** Resolves with the step the child paused after, or undefined once it exited. */
    async paused(): Promise<string | undefined> {
      for (;;) {
        const text = existsSync(options.pauseFile) ? readFileSync(options.pauseFile, 'utf8').trim() : ''
        if (text) return text
        if (ended) return undefined
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
    resume: () => rmSync(options.pauseFile, {force: true}),
    kill: (signal: NodeJS.Signals) => child.kill(signal),
    exited,
  }
}

/** `openssl verify -trusted root` of a chain (leaf first): -trusted, unlike -CAfile, leaves the machine's own roots out. */
export async function verifiesWith(chainPem: string, rootPem: string, dir: string, args: string[] = []): Promise<boolean> {
  const [leaf, ...rest] = pemBlocks(chainPem)
  const files = {root: path.join(dir, 'verify-root.pem'), chain: path.join(dir, 'verify-chain.pem'), leaf: path.join(dir, 'verify-leaf.pem')}
  writeFileSync(files.root, rootPem)
  writeFileSync(files.chain, rest.map((block) => `${block}\n`).join(''))
  writeFileSync(files.leaf, `${leaf}\n`)
  return (await sh('openssl', ['verify', ...args, '-trusted', files.root, '-untrusted', files.chain, files.leaf])).code === 0
}

/** Safety net after a failed test: no root of this run may stay in the machine's system store. */
export async function scrubSystem(home: string, roots: Array<TrustRoot | undefined>): Promise<void> {
  for (const root of roots) if (root) await uninstallRoot(root, {localcertHome: home, stores: ['system'], interactive: false})
}
