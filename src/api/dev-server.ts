import {readFile} from 'node:fs/promises'
import path from 'node:path'
import type {SecureContextOptions, Server as TlsServer} from 'node:tls'
import {renewalAt, renewalDue} from '../ca/lifetime.js'
import {parseNames} from '../ca/names.js'
import {sha256Hex} from '../lib/hash.js'
import {pemBlocks, pemToDer} from '../lib/pem.js'
import {CA_CHANGE_CHECK_MS} from '../ca/rotate.js'
import {resolutionStamp, resolutionWarnings} from '../lib/resolve.js'
import {writeFileSafely} from '../state/files.js'
import {resolveHome} from '../state/paths.js'
import {currentAuthority, issueParsed, type IssueOptions} from '../ca/issue.js'

/** What a dev server passes to `https.createServer` / Vite's `server.https`: key, chain and the root. */
export interface HttpsOptions {
  key: string
  cert: string
  ca: string
  notBefore: Date
  notAfter: Date
  serial: string
  /**
   * Names that programs on this machine cannot reach (they do not resolve, or not to loopback), each with the fix
   * (`localcert hosts add …`, libnss-myhostname). Checked when the certificate is issued; empty when all is well.
   */
  warnings: string[]
}

export interface DevCertOptions extends Pick<IssueOptions, 'home' | 'keyType'> {
  /** Lifetime of dev-server certificates; short by default because they renew themselves. */
  days?: number
  /** Issue a new certificate even if the cached one is still good. */
  fresh?: boolean
}

export const DEV_DEFAULT_NAMES = ['localhost', '127.0.0.1', '::1'] as const
export const DEV_DEFAULT_DAYS = 7

interface CachedLeaf {
  names: string[]
  rootFingerprint: string
  intermediateFingerprint: string
  serial: string
  certPem: string
  keyPem: string
  notBefore: string
  notAfter: string
  warnings?: string[]
  /** resolutionStamp() when the warnings were found: a boot after the hosts file changed looks again. */
  warningsStamp?: string
}

function cacheFile(home: string, names: string[], keyType: string, days: number): string {
  const key = sha256Hex(JSON.stringify([names, keyType, days])).slice(0, 16)
  return path.join(home, 'dev', `${key}.json`)
}

/**
 * A certificate for a dev server at boot: reuses the one issued on a previous boot while it has more than a third
 * of its life left and the CA is the same, otherwise issues a new one (creating the CA on first use).
 * @example
 * import {httpsOptions} from 'localcert'
 * https.createServer(await httpsOptions(['app.localhost']), app).listen(443)
 */
export async function httpsOptions(names: readonly string[] = DEV_DEFAULT_NAMES, options: DevCertOptions = {}): Promise<HttpsOptions> {
  const home = await resolveHome(options.home)
  const parsed = parseNames(names)
  const normalised = parsed.map((name) => name.value)
  const ca = await currentAuthority(home)
  const keyType = options.keyType ?? ca?.meta.keyType ?? 'ecdsa'
  const days = options.days ?? DEV_DEFAULT_DAYS
  const file = cacheFile(home, normalised, keyType, days)
  if (ca && !options.fresh) {
    const cached = await readFile(file, 'utf8').then((text) => JSON.parse(text) as CachedLeaf).catch(() => undefined)
    if (
      cached &&
      cached.rootFingerprint === ca.meta.root.fingerprint &&
      cached.intermediateFingerprint === ca.meta.intermediate.fingerprint &&
      JSON.stringify(cached.names) === JSON.stringify(normalised) &&
      !renewalDue(new Date(cached.notBefore), new Date(cached.notAfter))
    ) {
      const stamp = await resolutionStamp()
      let warnings = cached.warnings ?? []
      if (cached.warningsStamp !== stamp) {
        warnings = await resolutionWarnings(parsed)
        await writeFileSafely(file, JSON.stringify({...cached, warnings, warningsStamp: stamp}) + '\n', 0o600)
      }
      return {key: cached.keyPem, cert: cached.certPem, ca: ca.rootPem, notBefore: new Date(cached.notBefore), notAfter: new Date(cached.notAfter), serial: cached.serial, warnings}
    }
  }
  // the lookups (1 s at most, in parallel) run while the certificate is signed
  const [leaf, warnings, warningsStamp] = await Promise.all([issueParsed(parsed, {home, keyType, days, source: 'api'}), resolutionWarnings(parsed), resolutionStamp()])
  const entry: CachedLeaf = {
    names: normalised,
    rootFingerprint: leaf.rootFingerprint,
    intermediateFingerprint: leaf.intermediateFingerprint,
    serial: leaf.serial,
    certPem: leaf.chainPem,
    keyPem: leaf.keyPem!,
    notBefore: leaf.notBefore.toISOString(),
    notAfter: leaf.notAfter.toISOString(),
    warnings,
    warningsStamp,
  }
  await writeFileSafely(file, JSON.stringify(entry) + '\n', 0o600)
  return {key: entry.keyPem, cert: entry.certPem, ca: leaf.rootPem, notBefore: leaf.notBefore, notAfter: leaf.notAfter, serial: leaf.serial, warnings}
}


export interface AutoRenewHandle {
  /** Issues a new certificate now and swaps it into the server (the timer does this when renewal is due). */
  renewNow(): Promise<HttpsOptions>
  stop(): void
}

export interface AutoRenewOptions extends DevCertOptions {
  /** The certificate the server was started with (with `cert`, its chain is known without asking the CA). */
  current?: Pick<HttpsOptions, 'notBefore' | 'notAfter'> & {cert?: string}
  onRenew?: (certificate: HttpsOptions) => void
  onError?: (error: unknown) => void
}

/** SHA-256 of the intermediate in a served chain (leaf first). */
function chainIntermediate(chainPem: string): string | undefined {
  const block = pemBlocks(chainPem)[1]
  return block ? sha256Hex(pemToDer(block)) : undefined
}

/**
 * Keeps a running TLS/HTTPS server's certificate fresh: when two thirds of its life have passed, issues a new one
 * and swaps it in with `server.setSecureContext`, without a restart. It also looks at the CA every 2 s (one stat)
 * and swaps at once when the CA was rotated (`localcert rotate [--root]`). The timers never keep the process alive.
 * @example const renewal = autoRenew(server, ['app.localhost']); … renewal.stop()
 */
export function autoRenew(server: Pick<TlsServer, 'setSecureContext'>, names: readonly string[] = DEV_DEFAULT_NAMES, options: AutoRenewOptions = {}): AutoRenewHandle {
  let timer: NodeJS.Timeout | undefined
  let stopped = false
  let failures = 0
  let servedBy = options.current?.cert ? chainIntermediate(options.current.cert) : undefined
  const wake = (delay: number) => {
    if (stopped) return
    if (timer) clearTimeout(timer)
    // setTimeout cannot wait longer than ~24.8 days; wake up and re-check instead
    timer = setTimeout(() => void swap(false).catch(retry), Math.min(Math.max(delay, 1_000), 2 ** 31 - 1))
    timer.unref()
  }
  const schedule = (current: Pick<HttpsOptions, 'notBefore' | 'notAfter'>) => {
    failures = 0
    wake(renewalAt(current.notBefore, current.notAfter).getTime() - Date.now())
  }
  // a renewal that failed (the lock busy, the laptop asleep, the disk full) is tried again: 1 min, 2, 4… at most 1 h
  const retry = (error: unknown) => {
    options.onError?.(error)
    wake(Math.min(60_000 * 2 ** failures++, 3_600_000))
  }
  const swap = async (fresh: boolean) => {
    const current = await httpsOptions(names, {...options, fresh})
    server.setSecureContext({key: current.key, cert: current.cert} satisfies SecureContextOptions)
    servedBy = chainIntermediate(current.cert)
    options.onRenew?.(current)
    schedule(current)
    return current
  }
  let checking = false
  const caCheck = setInterval(() => {
    if (checking || stopped) return
    checking = true
    resolveHome(options.home)
      .then(currentAuthority)
      .then(async (ca) => {
        if (!ca) return
        servedBy ??= ca.meta.intermediate.fingerprint
        if (servedBy !== ca.meta.intermediate.fingerprint) await swap(false)
      })
      .catch(retry)
      .finally(() => (checking = false))
  }, CA_CHANGE_CHECK_MS)
  caCheck.unref()
  const handle: AutoRenewHandle = {
    renewNow: () => swap(true),
    stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      clearInterval(caCheck)
    },
  }
  // the certificate the server was started with, when the caller has it, saves reading it back
  if (options.current) schedule(options.current)
  else
    void httpsOptions(names, options).then((current) => {
      servedBy ??= chainIntermediate(current.cert)
      schedule(current)
    }, retry)
  return handle
}
