import {randomBytes} from 'node:crypto'
import {readFile, rm} from 'node:fs/promises'
import {LocalcertError} from '../errors.js'
import path from 'node:path'
import {ensurePrivateDir, readJson, writeFileSafely} from './files.js'
import {withLock} from './lock.js'
import {caPaths} from './paths.js'

/** The port `localcert serve` listens on by default. */
export const DEFAULT_ACME_PORT = 8555

/**
 * How other commands find the ACME endpoint: `localcert serve` writes `<home>/acme/endpoint.json` while it runs
 * (removed when it stops) and keeps the EAB credentials in `<home>/acme/eab.json` (0600).
 */
export function acmePaths(home: string) {
  const dir = path.join(home, 'acme')
  return {dir, endpoint: path.join(dir, 'endpoint.json'), eab: path.join(dir, 'eab.json'), hmacKey: path.join(dir, 'eab-hmac.key'), claim: path.join(dir, 'server.json')}
}

export interface EndpointInfo {
  directoryUrl: string
  port: number
  pid: number
  startedAt: string
  /** True when the login service started it (its unit sets LOCALCERT_SERVICE): `uninstall` may stop it through the service manager. */
  service?: boolean
}

/** Set by the login service's unit / plist / launcher, so the endpoint it runs can be told from one started by hand. */
export const SERVICE_MARKER_ENV = 'LOCALCERT_SERVICE'

export interface EabCredentials {
  kid: string
  /** base64url of 48 random bytes */
  hmacKey: string
}

/**
 * The variables Anchor's lcl.host uses, so its client packages work unchanged. ACME_HMAC_KEY is a secret: it is
 * never a value here, only the file that holds it (0600), which `localcert env` makes the shell read.
 */
export interface AcmeEnv {
  ACME_DIRECTORY_URL?: string
  ACME_KID?: string
  /** The file whose content is ACME_HMAC_KEY (the key alone, no newline). */
  hmacKeyFile?: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The running endpoint, or undefined when none runs (a stale file from a killed server is ignored). */
export async function readEndpoint(home: string): Promise<EndpointInfo | undefined> {
  const info = await readJson<EndpointInfo>(acmePaths(home).endpoint).catch(() => undefined)
  return info && alive(info.pid) ? info : undefined
}

export async function readEab(home: string): Promise<EabCredentials | undefined> {
  return readJson<EabCredentials>(acmePaths(home).eab).catch(() => undefined)
}

/** 48 random bytes as base64url, redrawn if it starts with '-': certbot and lego would read `--eab-hmac-key -…` as an option. */
function newHmacKey(): string {
  for (;;) {
    const key = randomBytes(48).toString('base64url')
    if (!key.startsWith('-')) return key
  }
}

/**
 * The EAB credentials, created on first need under the state lock (so `serve` and `env` racing create one pair):
 * a random kid and 48 random bytes as the key, which encode to 64 base64url characters with no padding.
 * @example const {kid, hmacKey} = await ensureEab(home)
 */
export async function ensureEab(home: string): Promise<EabCredentials> {
  const existing = await readEab(home)
  if (existing) return existing
  await ensurePrivateDir(home)
  return withLock(caPaths(home).lock, async () => {
    const raced = await readEab(home)
    if (raced) return raced
    const credentials: EabCredentials = {kid: `localcert-${randomBytes(9).toString('base64url')}`, hmacKey: newHmacKey()}
    await ensurePrivateDir(acmePaths(home).dir)
    await writeFileSafely(acmePaths(home).hmacKey, credentials.hmacKey, 0o600)
    await writeFileSafely(acmePaths(home).eab, JSON.stringify(credentials, null, 2) + '\n', 0o600)
    return credentials
  })
}

/** Announces a running endpoint (called by the server once it listens). */
export async function writeEndpoint(home: string, info: EndpointInfo): Promise<void> {
  await ensurePrivateDir(acmePaths(home).dir)
  const marked = process.env[SERVICE_MARKER_ENV] ? {...info, service: true} : info
  await writeFileSafely(acmePaths(home).endpoint, JSON.stringify(marked, null, 2) + '\n', 0o600)
}

/** Removes endpoint.json if it still describes this process's endpoint (a newer server may have replaced it). */
export async function removeEndpoint(home: string, port: number, pid = process.pid): Promise<void> {
  const info = await readJson<EndpointInfo>(acmePaths(home).endpoint).catch(() => undefined)
  if (info && info.pid === pid && info.port === port) await rm(acmePaths(home).endpoint, {force: true})
}

interface ServerClaim {
  pid: number
  token: string
  startedAt: string
}

/**
 * Claims the ACME state of `home` for one server, in this process or any other: two servers on one store would
 * interleave their journals. Under the state lock, `<home>/acme/server.json` (written atomically) is read and, unless
 * a live process holds it (or a running endpoint announces itself), replaced by ours; a claim whose process is gone (a
 * killed server) is taken over. Resolves to the release function.
 * @example const release = await claimAcmeState(home); … await release()
 */
export async function claimAcmeState(home: string): Promise<() => Promise<void>> {
  const file = acmePaths(home).claim
  const lock = caPaths(home).lock
  await ensurePrivateDir(acmePaths(home).dir)
  const mine: ServerClaim = {pid: process.pid, token: randomBytes(8).toString('hex'), startedAt: new Date().toISOString()}
  await withLock(lock, async () => {
    const held = await readJson<ServerClaim>(file).catch(() => undefined)
    const endpoint = await readEndpoint(home)
    // a live endpoint.json also counts: a server from before server.json existed announces itself only there
    const holder = held && alive(held.pid) ? held.pid : endpoint && endpoint.pid !== process.pid ? endpoint.pid : undefined
    if (holder !== undefined) {
      const where = endpoint ? ` at ${endpoint.directoryUrl}` : ''
      const who = holder === process.pid ? 'in this process' : `(pid ${holder})`
      throw new LocalcertError('ACME_ALREADY_RUNNING', `an ACME server for ${home} is already running${where} ${who}`, `use that one (\`localcert env\` prints its settings) or stop it first; if no localcert serve runs, delete ${file}`)
    }
    await writeFileSafely(file, JSON.stringify(mine) + '\n', 0o600)
  })
  const ours = async () => (await readJson<ServerClaim>(file).catch(() => undefined))?.token === mine.token
  return async () => {
    // best effort on the way out: a home deleted under a running server leaves nothing to release
    if (!(await ours())) return
    await withLock(lock, async () => {
      if (await ours()) await rm(file, {force: true})
    }).catch(() => undefined)
  }
}

export async function readAcmeEnv(home: string): Promise<AcmeEnv> {
  const [endpoint, eab] = await Promise.all([readEndpoint(home), readEab(home)])
  if (eab) await ensureHmacKeyFile(home, eab)
  return {
    ...(endpoint ? {ACME_DIRECTORY_URL: endpoint.directoryUrl} : {}),
    ...(eab ? {ACME_KID: eab.kid, hmacKeyFile: acmePaths(home).hmacKey} : {}),
  }
}

/** eab-hmac.key beside eab.json (credentials made before it existed get it on first read). */
async function ensureHmacKeyFile(home: string, eab: EabCredentials): Promise<void> {
  const file = acmePaths(home).hmacKey
  const current = await readFile(file, 'utf8').catch(() => undefined)
  if (current !== eab.hmacKey) await writeFileSafely(file, eab.hmacKey, 0o600)
}
