/**
 * IP addresses: strict dotted-quad IPv4 (no octal or short forms, which node:net also refuses), IPv6 validated and
 * canonicalised by the WHATWG URL parser, and CIDR membership for the name policy. Written without node:net to
 * keep it off the CLI's import path, but @oclif/core loads node:net anyway, so that saves nothing measurable today.
 */

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/

/** 4 or 6 for a valid address, 0 otherwise (like net.isIP). */
export function ipFamily(text: string): 0 | 4 | 6 {
  if (IPV4.test(text)) return 4
  if (!text.includes(':') || /[^0-9a-fA-F:.]/.test(text)) return 0
  try {
    new URL(`http://[${text}]/`)
    return 6
  } catch {
    return 0
  }
}

/** RFC 5952 text form of an IPv6 address (`0:0::1` → `::1`); IPv4 unchanged. */
export function canonicalIp(text: string): string {
  return ipFamily(text) === 6 ? new URL(`http://[${text}]/`).hostname.slice(1, -1) : text
}

/** Network-order bytes: 4 for IPv4, 16 for IPv6. */
export function ipBytes(text: string): Buffer {
  if (ipFamily(text) === 4) return Buffer.from(text.split('.').map(Number))
  const canonical = canonicalIp(text)
  const [head, tail] = canonical.includes('::') ? canonical.split('::') : [canonical, undefined]
  const left = head ? head.split(':') : []
  const right = tail ? tail.split(':') : []
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return Buffer.concat(groups.map((group) => Buffer.from(group.padStart(4, '0'), 'hex')))
}

/** True when `ip` lies in `cidr` (e.g. 10.0.0.0/8, fc00::/7); families never match each other. */
export function inCidr(ip: string, cidr: string): boolean {
  const [network, prefixText] = cidr.split('/')
  const address = ipBytes(ip)
  const base = ipBytes(network!)
  if (address.length !== base.length) return false
  let bits = Number(prefixText ?? address.length * 8)
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff
    if ((address[i]! & mask) !== (base[i]! & mask)) return false
  }
  return true
}

/**
 * True for loopback: 127.0.0.0/8, ::1, and IPv4-mapped loopback in either text form (::ffff:127.0.0.1, ::ffff:7f00:1).
 * @example isLoopback('127.0.1.1') // true
 */
export function isLoopback(address: string): boolean {
  const family = ipFamily(address)
  if (family === 4) return inCidr(address, '127.0.0.0/8')
  return family === 6 && (inCidr(address, '::1/128') || inCidr(address, '::ffff:127.0.0.0/104'))
}
