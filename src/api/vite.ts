import {networkInterfaces} from 'node:os'
import type {SecureContextOptions} from 'node:tls'
import {currentPolicy} from '../ca/issue.js'
import {parseName, type SubjectName} from '../ca/names.js'
import {isAllowed} from '../ca/policy.js'
import {inCidr} from '../lib/ip.js'
import {resolveHome} from '../state/paths.js'
import {autoRenew, DEV_DEFAULT_NAMES, httpsOptions, type DevCertOptions, type HttpsOptions} from './dev-server.js'

/** `localcert({…})` in `vite.config`: every option is optional; the plugin works with none. */
export interface LocalcertViteOptions extends DevCertOptions {
  /** Names to cover besides the ones Vite is configured for (`server.host`, `allowedHosts`, localhost, loopback). */
  names?: string[]
}

/** The parts of Vite's config the plugin reads: structural, so the package needs no Vite at build or run time. */
interface ViteServerSection {
  host?: string | boolean
  allowedHosts?: string[] | true
  https?: unknown
}
interface ViteConfigLike {
  server?: ViteServerSection
  preview?: ViteServerSection
}
interface ViteLogger {
  warn(message: string): void
  info(message: string): void
}
interface ViteServerLike {
  httpServer?: {setSecureContext?(options: SecureContextOptions): void; once?(event: 'close', listener: () => void): unknown} | null
  config: {logger: ViteLogger}
}

/** What `localcert()` returns: a Vite plugin (its hooks match Vite 6, 7 and 8). */
export interface LocalcertVitePlugin {
  name: 'localcert'
  /** `vite` and `vite preview` only: a `vite build` never creates a CA or issues a certificate. */
  apply: 'serve'
  config(config: ViteConfigLike): Promise<{server?: {https: SecureContextOptions}; preview?: {https: SecureContextOptions}}>
  configResolved(config: {logger: ViteLogger}): void
  configureServer(server: ViteServerLike): void
  configurePreviewServer(server: ViteServerLike): void
  /** Issues a fresh certificate now and swaps it into every server this plugin serves (the timer does it when due). */
  renewNow(): Promise<void>
}

/** Private LAN ranges a phone on the same network can reach (link-local and public addresses are left out). */
const LAN_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']

/** This machine's private LAN addresses, for `vite --host`: what Vite prints as "Network:" URLs. */
function lanAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flat()
    .filter((entry) => entry && !entry.internal && LAN_RANGES.some((range) => inCidr(entry.address, range)))
    .map((entry) => entry!.address)
}

/** True when Vite listens beyond loopback: `--host`, `host: true`, or a wildcard address. */
function listensBeyondLoopback(host: string | boolean | undefined): boolean {
  return host === true || host === '0.0.0.0' || host === '::' || host === '[::]'
}

/**
 * The names a Vite server is reached by: localhost and loopback, `server.host`/`preview.host`, `allowedHosts`
 * (a leading dot means the domain and every name below it), the plugin's own `names`, and the LAN addresses when
 * Vite listens on every interface.
 * @example viteNames({server: {host: 'app.localhost'}}, []) // ['localhost', '127.0.0.1', '::1', 'app.localhost']
 */
export function viteNames(config: ViteConfigLike, extra: readonly string[], lan: () => string[] = lanAddresses): string[] {
  const names: string[] = [...DEV_DEFAULT_NAMES]
  let beyondLoopback = false
  for (const section of [config.server, config.preview]) {
    if (!section) continue
    if (listensBeyondLoopback(section.host)) beyondLoopback = true
    else if (typeof section.host === 'string' && section.host) names.push(section.host)
    if (Array.isArray(section.allowedHosts)) {
      for (const host of section.allowedHosts) {
        if (host.startsWith('.')) names.push(host.slice(1), `*${host}`)
        else names.push(host)
      }
    }
  }
  names.push(...extra)
  if (beyondLoopback) names.push(...lan())
  return [...new Set(names.map((name) => name.trim().toLowerCase()).filter(Boolean))]
}

/** Splits names into those the CA may sign and a warning for each it may not (a public host, a bad name). */
function signable(names: readonly string[], policy: Parameters<typeof isAllowed>[0]): {names: string[]; warnings: string[]} {
  const kept: string[] = []
  const warnings: string[] = []
  for (const name of names) {
    let parsed: SubjectName
    try {
      parsed = parseName(name)
    } catch (error) {
      warnings.push(`localcert: skipping "${name}": ${(error as Error).message}`)
      continue
    }
    if (isAllowed(policy, parsed)) kept.push(name)
    else warnings.push(`localcert: skipping "${name}": outside what this CA may sign (it cannot impersonate public sites); use a name such as app.localhost`)
  }
  return {names: kept, warnings}
}

/**
 * The Vite plugin: `plugins: [localcert()]` serves `vite` and `vite preview` over HTTPS with a certificate from the
 * local CA for every name Vite is configured for, and swaps in a fresh one when it is due, without a restart (HMR
 * keeps its wss connection on the same server). A `server.https` you set yourself is left alone.
 * @example
 * import {defineConfig} from 'vite'
 * import localcert from 'localcert/vite'
 * export default defineConfig({plugins: [localcert()]})
 */
export function localcert(options: LocalcertViteOptions = {}): LocalcertVitePlugin {
  const {names: extra = [], ...devOptions} = options
  const warnings: string[] = []
  let covered: string[] = []
  let issued: Pick<HttpsOptions, 'notBefore' | 'notAfter'> | undefined
  const ours = {server: false, preview: false}
  const renewals: Array<ReturnType<typeof autoRenew>> = []
  const keepFresh = (server: ViteServerLike, section: keyof typeof ours) => {
    const httpServer = server.httpServer
    const logger = server.config.logger
    // middleware mode has no server of its own; a user-supplied https config is theirs to renew
    if (!ours[section] || !httpServer?.setSecureContext) return
    const renewal = autoRenew(httpServer as Parameters<typeof autoRenew>[0], covered, {
      ...devOptions,
      current: issued,
      onRenew: (fresh) => logger.info(`localcert: renewed the certificate for ${covered.join(', ')} (valid until ${fresh.notAfter.toISOString()})`),
      onError: (error) => logger.warn(`localcert: could not renew the certificate: ${(error as Error).message}`),
    })
    renewals.push(renewal)
    httpServer.once?.('close', () => {
      renewal.stop()
      renewals.splice(renewals.indexOf(renewal), 1)
    })
  }
  return {
    name: 'localcert',
    apply: 'serve',
    async config(config) {
      const wanted = viteNames(config, extra)
      const home = await resolveHome(devOptions.home)
      const checked = signable(wanted, await currentPolicy(home))
      warnings.push(...checked.warnings)
      covered = checked.names
      const {key, cert, notBefore, notAfter, warnings: unreachable} = await httpsOptions(covered, {...devOptions, home})
      issued = {notBefore, notAfter}
      warnings.push(...unreachable.map((line) => `localcert: ${line}`))
      const https = {key, cert}
      // vite preview inherits server.https when it has none of its own: a user's server.https covers both
      ours.server = !config.server?.https
      ours.preview = !config.preview?.https && ours.server
      return {...(ours.server ? {server: {https}} : {}), ...(ours.preview ? {preview: {https}} : {})}
    },
    configResolved(resolved) {
      for (const warning of warnings.splice(0)) resolved.logger.warn(warning)
    },
    configureServer(server) {
      keepFresh(server, 'server')
    },
    configurePreviewServer(server) {
      keepFresh(server, 'preview')
    },
    async renewNow() {
      await Promise.all(renewals.map((renewal) => renewal.renewNow()))
    },
  }
}

export default localcert
