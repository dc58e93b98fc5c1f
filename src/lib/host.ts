import {ipFamily} from './ip.js'

/**
 * A host as it is written in a URL or a Host header: IPv6 in brackets, everything else unchanged.
 * @example bracketHost('::1') // '[::1]'
 */
export function bracketHost(host: string): string {
  return ipFamily(host) === 6 ? `[${host}]` : host
}

/**
 * The host without URL brackets.
 * @example unbracketHost('[::1]') // '::1'
 */
export function unbracketHost(host: string): string {
  return host.replace(/^\[(.*)\]$/, '$1')
}

/**
 * `host:port`, IPv6 bracketed; the port is left out when it is the scheme's default.
 * @example hostPort('::1', 8555) // '[::1]:8555'; hostPort('app.localhost', 80, 80) // 'app.localhost'
 */
export function hostPort(host: string, port: number, defaultPort?: number): string {
  return port === defaultPort ? bracketHost(host) : `${bracketHost(host)}:${port}`
}

/**
 * The host part of a Host header value (`[::1]:8555` → `[::1]`, `localhost:8555` → `localhost`).
 * @example hostOfHeader('[::1]:8555') // '[::1]'
 */
export function hostOfHeader(header: string): string {
  return header.startsWith('[') ? header.slice(0, header.indexOf(']') + 1) : header.split(':')[0]!
}
