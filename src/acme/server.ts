import https from 'node:https'
import {ensurePrivateDir} from '../state/files.js'
import {resolveHome} from '../state/paths.js'
import {CaView} from './ca-view.js'
import type {AcmeContext, AcmeEvent} from './context.js'
import {acmePaths, claimAcmeState, DEFAULT_ACME_PORT, ensureEab, readEab, removeEndpoint, writeEndpoint, type EabCredentials} from '../state/discovery.js'
import {createFront} from './front/front.js'
import {bracketHost, hostPort} from '../lib/host.js'
import {closeServer, isWildcard, listenAll, LOOPBACK_HOSTS} from './front/listen.js'
import {NonceStore} from './front/nonces.js'
import {RateLimiter, type RateLimitOptions} from './rate-limits.js'
import {AcmeStore, type StoreLimits} from './storage/store.js'
import {ensureTlsIdentity} from './tls-identity.js'
import {CA_CHANGE_CHECK_MS} from '../ca/rotate.js'

const SWEEP_MS = 10 * 60_000
const TLS_CHECK_MS = 60 * 60_000

export interface AcmeServerOptions {
  /** State directory; defaults to LOCALCERT_HOME or the OS convention. */
  home?: string
  /** Default 8555; 0 picks a free port. */
  port?: number
  /** Addresses to listen on; default 127.0.0.1 and ::1. Anything else is an explicit choice to leave loopback. */
  hosts?: string[]
  /** Require External Account Binding (default true). */
  eab?: boolean
  /** Real http-01 / tls-alpn-01 validation against loopback instead of pre-authorizing names in the CA's policy. */
  validate?: boolean
  /** Where --validate fetches http-01 tokens (default 80) and makes tls-alpn-01 handshakes (default 443). */
  httpPort?: number
  tlsPort?: number
  /** Runaway-loop protection; `false` turns it off (benchmarks). */
  rateLimits?: RateLimitOptions | false
  storeLimits?: StoreLimits
  maxBodyBytes?: number
  /** Chaos knob for client tests: the share (0–1) of valid nonces refused with badNonce. */
  nonceRejectRate?: number
  /** Write `<home>/acme/endpoint.json` so `localcert env` finds this server (default true). */
  announce?: boolean
  onEvent?: (event: AcmeEvent) => void
}

export interface AcmeServer {
  /** The directory URL clients are given (ACME_DIRECTORY_URL). */
  url: string
  origin: string
  port: number
  /** `host:port` of every listener. */
  listening: string[]
  home: string
  /** The root clients must trust (NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, LEGO_CA_CERTIFICATES). */
  rootFile: string
  rootPem: string
  /** Present when EAB is required or `eab.json` exists. */
  eab?: EabCredentials
  eabRequired: boolean
  caCreated: boolean
  close(): Promise<void>
}

/**
 * Starts the ACME endpoint (RFC 8555) over HTTPS with a certificate from the local CA, on loopback unless `hosts`
 * says otherwise. Creates the CA (and EAB credentials) on first use; state persists in `<home>/acme/`.
 * @example
 * const server = await startAcmeServer({port: 0})
 * // new acme.Client({directoryUrl: server.url, externalAccountBinding: {kid: server.eab.kid, hmacKey: server.eab.hmacKey}, …})
 * await server.close()
 */
export async function startAcmeServer(options: AcmeServerOptions = {}): Promise<AcmeServer> {
  const home = await resolveHome(options.home)
  await ensurePrivateDir(home)
  const release = await claimAcmeState(home)
  const cleanups: Array<() => Promise<void> | void> = [release]
  const cleanup = async () => {
    for (const step of cleanups.reverse()) await step()
  }
  try {
    const eabRequired = options.eab ?? true
    const emit = options.onEvent ?? (() => undefined)
    const ca = await CaView.open(home)
    const eab = eabRequired ? await ensureEab(home) : await readEab(home)
    const store = await AcmeStore.open(acmePaths(home).dir, options.storeLimits)
    store.journal.onError = (error) => emit({type: 'error', message: `cannot save ACME state: ${error.message}`, stack: error.stack})
    cleanups.push(() => store.close())

    const explicit = options.hosts?.length ? options.hosts : undefined
    const bindHosts = explicit ?? [...LOOPBACK_HOSTS]
    const namedHosts = (explicit ?? []).filter((host) => !isWildcard(host))
    const tlsNames = [...new Set(['localhost', '127.0.0.1', '::1', ...namedHosts])]
    let {identity} = await ensureTlsIdentity(home, tlsNames, ca)

    const ctx: AcmeContext = {
      home,
      store,
      nonces: new NonceStore({rejectRate: options.nonceRejectRate}),
      limits: new RateLimiter(options.rateLimits),
      ca,
      eabRequired,
      eab,
      validate: options.validate ? {httpPort: options.httpPort ?? 80, tlsPort: options.tlsPort ?? 443} : undefined,
      emit,
      validations: new Map(),
      accountSpki: new WeakMap(),
    }
    const allowedHosts = explicit?.some(isWildcard) ? undefined : new Set(tlsNames.map((host) => bracketHost(host).toLowerCase()))
    const front = createFront(ctx, {allowedHosts, maxBodyBytes: options.maxBodyBytes})
    const create = () => {
      const server = https.createServer({cert: identity.cert, key: identity.key, minVersion: 'TLSv1.2'}, (req, res) => void front(req, res))
      server.requestTimeout = 30_000
      server.headersTimeout = 10_000
      return server
    }
    const optional = explicit ? new Set<string>() : new Set<string>(['::1'])
    const {port, servers, bound} = await listenAll(create, bindHosts, options.port ?? DEFAULT_ACME_PORT, optional)
    cleanups.push(() => Promise.all(servers.map(closeServer)).then(() => undefined))

    const publicHost = namedHosts[0] ? bracketHost(namedHosts[0]) : 'localhost'
    const origin = `https://${publicHost}:${port}`
    const url = `${origin}/directory`
    if (options.announce ?? true) {
      await writeEndpoint(home, {directoryUrl: url, port, pid: process.pid, startedAt: new Date().toISOString()})
      cleanups.push(() => removeEndpoint(home, port))
    }

    let servedBy = ca.intermediateFingerprint
    const renewIdentity = async () => {
      const next = await ensureTlsIdentity(home, tlsNames, ca)
      servedBy = ca.intermediateFingerprint
      if (!next.renewed) return
      identity = next.identity
      for (const server of servers) server.setSecureContext({cert: identity.cert, key: identity.key, minVersion: 'TLSv1.2'})
      emit({type: 'tls-renewed', notAfter: identity.notAfter.toISOString()})
    }
    const sweep = setInterval(() => store.sweep(), SWEEP_MS).unref()
    const tlsCheck = setInterval(() => {
      ca.refresh()
        .then(renewIdentity)
        .catch((error: Error) => emit({type: 'error', message: `cannot renew the endpoint's certificate: ${error.message}`}))
    }, TLS_CHECK_MS).unref()
    // a rotation (`localcert rotate [--root]`) moves the endpoint to the new chain within seconds, before the old root goes
    const caCheck = setInterval(() => {
      ca.refresh()
        .then(() => (ca.intermediateFingerprint === servedBy ? undefined : renewIdentity()))
        .catch((error: Error) => emit({type: 'error', message: `cannot move the endpoint's certificate to the new CA: ${error.message}`}))
    }, CA_CHANGE_CHECK_MS).unref()
    cleanups.push(() => {
      clearInterval(sweep)
      clearInterval(tlsCheck)
      clearInterval(caCheck)
    })

    let closing: Promise<void> | undefined
    return {
      url,
      origin,
      port,
      listening: bound.map((host) => hostPort(host, port)),
      home,
      rootFile: ca.authority.paths.rootCert,
      rootPem: ca.authority.rootPem,
      eab,
      eabRequired,
      caCreated: ca.created,
      close: () => (closing ??= cleanup()),
    }
  } catch (error) {
    await cleanup()
    throw error
  }
}
