import {execFileSync} from 'node:child_process'
import {createServer, type Server} from 'node:https'
import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {openAuthority} from '../../../src/ca/authority.js'
import {issueCertificate} from '../../../src/ca/issue.js'
import {parseRoot, type TrustRoot} from '../../../src/trust/root.js'
import {tempDir} from '../../support/env.js'
import {isRoot, skipping} from '../../support/tools.js'

export interface TestCa {
  /** LOCALCERT_HOME */
  home: string
  /** A user home ($HOME) of its own: browser profiles and shell profiles live here, never in the real one. */
  userHome: string
  root: TrustRoot
  leaf: {certFile: string; keyFile: string; chainPem: string; keyPem: string}
}

/** A fresh CA in a temp LOCALCERT_HOME with a leaf for app.localhost, and a temp $HOME. */
export async function makeCa(prefix: string): Promise<TestCa> {
  const dir = tempDir(`localcert-${prefix}-`)
  const home = path.join(dir, 'localcert')
  const userHome = path.join(dir, 'home')
  mkdirSync(userHome, {recursive: true})
  const ca = await openAuthority(home)
  const leaf = await issueCertificate(['app.localhost', 'localhost', '127.0.0.1'], {home})
  const certFile = path.join(dir, 'app.pem')
  const keyFile = path.join(dir, 'app-key.pem')
  writeFileSync(certFile, leaf.chainPem)
  writeFileSync(keyFile, leaf.keyPem!, {mode: 0o600})
  return {home, userHome, root: parseRoot(ca.rootPem, 'test root'), leaf: {certFile, keyFile, chainPem: leaf.chainPem, keyPem: leaf.keyPem!}}
}

/** An HTTPS server on 127.0.0.1 (ephemeral port) that answers every request with a fixed text. */
export async function startHttps(ca: TestCa, text = 'hello from localcert'): Promise<{port: number; close(): Promise<void>}> {
  const server: Server = createServer({cert: ca.leaf.chainPem, key: ca.leaf.keyPem}, (_request, response) => response.end(`${text}\n`))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as {port: number}).port
  return {port, close: () => new Promise((resolve) => server.close(() => resolve()))}
}

/** The machine-wide trust state the system tests must leave exactly as they found it. */
export function snapshotSystemTrust(): string {
  const sh = (command: string) => execFileSync('sh', ['-c', command], {encoding: 'utf8'})
  return [
    sh('ls -l --time-style=+ /usr/local/share/ca-certificates'),
    // Not the bytes of Debian's JKS cacerts: keytool and Debian's hook each write the same entries in an order of
    // their own (measured: three runs left 76f9…, 1239…, 15bf… with identical entries), so its entries are compared below.
    sh('sha256sum /etc/ssl/certs/ca-certificates.crt'),
    sh('ls -l --time-style=+ /etc/ssl/certs'),
    // alias, date and SHA-256 of every entry of the JDK's cacerts (on Debian, the file ca-certificates-java keeps)
    sh("keytool -J-Duser.language=en -J-XX:TieredStopAtLevel=1 -J-XX:+UseSerialGC -list -cacerts -storepass changeit | grep -A1 trustedCertEntry | grep -v '^--'"),
  ].join('\n')
}

/**
 * Holds the machine's trust stores and /etc/hosts for one test file (a lock every test that changes them takes, across
 * vitest workers and runs): two files installing and removing roots at once would each see the other's root in
 * their snapshot, and update-ca-certificates must not run twice at once. Resolves to the release function.
 * @example const release = await holdSystemTrust(); try { … } finally { await release() }
 */
export async function holdSystemTrust(): Promise<() => Promise<void>> {
  const lockfile = await import('proper-lockfile')
  const target = path.join(existsSync('/run/lock') ? '/run/lock' : tmpdir(), 'localcert-tests-system-trust')
  return lockfile.lock(target, {realpath: false, stale: 30_000, update: 5_000, retries: {retries: 1_200, factor: 1, minTimeout: 500, maxTimeout: 500}, onCompromised: () => undefined})
}

/** A fresh LOCALCERT_HOME (`home`) beside a $HOME (`userHome`) whose ~/.pki/nssdb is an empty NSS database, as Chromium leaves it. */
export function homeWithNssDb(prefix: string): {dir: string; home: string; userHome: string; nssdb: string} {
  const dir = tempDir(`localcert-${prefix}-`)
  const userHome = path.join(dir, 'home')
  const nssdb = path.join(userHome, '.pki', 'nssdb')
  mkdirSync(nssdb, {recursive: true})
  execFileSync('certutil', ['-N', '--empty-password', '-d', `sql:${nssdb}`])
  return {dir, home: path.join(dir, 'state'), userHome, nssdb}
}

/** Writes a text file, creating its directory. */
export function put(file: string, text: string): void {
  mkdirSync(path.dirname(file), {recursive: true})
  writeFileSync(file, text)
}

/** True as root; otherwise a loud skip reason (and under CI=true, where the suite runs as root, an error). */
export function runsAsRoot(what: string): boolean {
  if (isRoot()) return true
  return skipping(`SKIPPED ${what}: needs root (it changes the machine's trust store and puts it back)`)
}
