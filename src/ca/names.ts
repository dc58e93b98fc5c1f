import {canonicalIp, ipFamily} from '../lib/ip.js'
import {domainToASCII, domainToUnicode} from 'node:url'
import {LocalcertError} from '../errors.js'
import {unbracketHost} from '../lib/host.js'

export type SubjectName =
  | {type: 'dns'; value: string}
  | {type: 'ip'; value: string}
  | {type: 'email'; value: string}
  | {type: 'uri'; value: string; host: string}

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/
/** C0 and C1 control characters (and DEL): URL parsing and domainToASCII silently drop some of them. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
/** Characters nobody sees and IDNA maps to nothing (soft hyphen, zero-width space, joiners, variation selectors…). */
const INVISIBLE = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/u
/** Every character JSON.stringify leaves as it is but a terminal would not show: C1 controls and Unicode spaces. */
const UNSHOWN = /[\u007f-\u00a0\u1680\u2000-\u200f\u2028-\u202f\u205f\u3000\ufeff\p{Cf}\p{Default_Ignorable_Code_Point}]/gu

/**
 * A name as text a terminal shows unambiguously: quoted, with control characters and odd spaces escaped.
 * @example showName('a\tb.localhost') // '"a\\tb.localhost"'
 */
export function showName(input: string): string {
  return JSON.stringify(input).replace(UNSHOWN, (char) => {
    const code = char.codePointAt(0)!
    return code > 0xffff ? `\\u{${code.toString(16)}}` : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/**
 * Refuses a name holding a control character anywhere or whitespace inside it: normalisation would otherwise drop
 * a tab and sign a name nobody typed (`a\tb.localhost` → `ab.localhost`).
 * @example assertPrintable('a\tb.localhost') // throws INVALID_NAME
 */
export function assertPrintable(input: string): void {
  const inner = input.replace(/^ +| +$/g, '')
  if (CONTROL.test(input) || INVISIBLE.test(input) || /\s/.test(inner)) {
    const what = CONTROL.test(input) ? 'a control character' : INVISIBLE.test(input) ? 'an invisible character (it would be dropped, and a name nobody typed signed)' : 'whitespace'
    throw new LocalcertError('INVALID_NAME', `${showName(input)} is not a valid name: it contains ${what}`, 'type the name again without tabs, newlines, spaces or invisible characters (a name copied from a file, a web page or a script may carry them)')
  }
}

/**
 * An A-label (xn--…) must be valid punycode that round-trips (RFC 5891 §5.4). Node 20 returns '' for a bad one and
 * Node 24 returns it unchanged, so check both ways.
 */
function isValidALabel(label: string): boolean {
  if (!label.startsWith('xn--')) return true
  const unicode = domainToUnicode(label)
  return unicode !== '' && !unicode.startsWith('xn--') && domainToASCII(unicode) === label
}

/** Normalises a DNS name (lower case, IDN to punycode, no trailing dot) or throws INVALID_NAME. */
export function normaliseDnsName(input: string): string {
  assertPrintable(input)
  const raw = input.trim().replace(/\.$/, '')
  const wildcard = raw.startsWith('*.')
  const rest = wildcard ? raw.slice(2) : raw
  if (rest.includes('*')) {
    throw new LocalcertError('INVALID_NAME', `"${input}" is not a valid name: a wildcard must be the whole left-most label, as in *.app.localhost`, 'write wildcards as *.name')
  }
  const ascii = /^[\x21-\x7e]*$/.test(rest) ? rest.toLowerCase() : domainToASCII(rest)
  const labels = ascii.split('.')
  if (!ascii || ascii.length > 253 || labels.some((label) => !LABEL.test(label) || !isValidALabel(label))) {
    throw new LocalcertError('INVALID_NAME', `"${input}" is not a valid host name`, 'use letters, digits and hyphens in dot-separated labels, e.g. app.localhost')
  }
  return wildcard ? `*.${ascii}` : ascii
}

/** Canonical text form of an IPv4 or IPv6 address, or throws INVALID_IP. */
export function normaliseIp(input: string): string {
  const bare = unbracketHost(input)
  if (ipFamily(bare) !== 0) return canonicalIp(bare)
  throw new LocalcertError('INVALID_IP', `"${input}" is not a valid IP address`, 'write IPv4 as 127.0.0.1 and IPv6 as ::1')
}

/**
 * Classifies and validates one name as a user types it: an IP, an email (S/MIME), a URI
 * (contains "://"), or a DNS name (wildcards allowed as the left-most label).
 */
export function parseName(input: string): SubjectName {
  if (typeof input !== 'string') throw new LocalcertError('INVALID_NAME', `a name must be a string, not ${JSON.stringify(input)}`, "pass names as text, e.g. ['app.localhost', '127.0.0.1']")
  assertPrintable(input)
  const text = input.trim()
  if (!text) throw new LocalcertError('INVALID_NAME', 'an empty name was given', 'pass names such as app.localhost')
  if (text.includes('://')) {
    let url: URL
    try {
      url = new URL(text)
    } catch {
      throw new LocalcertError('INVALID_URI', `"${input}" is not a valid URI`, 'write URIs in full, e.g. spiffe://app.localhost/api')
    }
    const host = unbracketHost(url.hostname)
    if (!host) throw new LocalcertError('INVALID_URI', `"${input}" has no host`, 'a URI needs a host the CA may sign, e.g. spiffe://app.localhost/api')
    return {type: 'uri', value: text, host: ipFamily(host) ? normaliseIp(host) : normaliseDnsName(host)}
  }
  if (text.includes('@')) {
    const at = text.lastIndexOf('@')
    const local = text.slice(0, at)
    const domain = text.slice(at + 1)
    if (!local || /[\s<>()[\]\\,;:"@]/.test(local) || local.length > 64) {
      throw new LocalcertError('INVALID_EMAIL', `"${input}" is not a valid email address`, 'write it as name@domain, e.g. dev@app.localhost')
    }
    let host: string
    try {
      host = normaliseDnsName(domain)
    } catch {
      throw new LocalcertError('INVALID_EMAIL', `"${input}" is not a valid email address`, 'write it as name@domain, e.g. dev@app.localhost')
    }
    if (host.startsWith('*')) throw new LocalcertError('INVALID_EMAIL', `"${input}" is not a valid email address`, 'an email domain cannot be a wildcard')
    return {type: 'email', value: `${local}@${host}`}
  }
  const bare = unbracketHost(text)
  if (ipFamily(bare)) return {type: 'ip', value: normaliseIp(bare)}
  if (/^[\d.]+$/.test(text) || text.includes(':')) {
    throw new LocalcertError('INVALID_IP', `"${input}" is not a valid IP address`, 'write IPv4 as 127.0.0.1 and IPv6 as ::1')
  }
  return {type: 'dns', value: normaliseDnsName(text)}
}

/** Parses every name, drops exact duplicates, keeps the order given (the first one becomes the CN). */
export function parseNames(inputs: readonly string[]): SubjectName[] {
  if (inputs.length === 0) throw new LocalcertError('NO_NAMES', 'no names were given', 'pass at least one name, e.g. `localcert cert app.localhost`')
  const seen = new Set<string>()
  const names: SubjectName[] = []
  for (const input of inputs) {
    const name = parseName(input)
    const key = `${name.type}:${name.value}`
    if (!seen.has(key)) {
      seen.add(key)
      names.push(name)
    }
  }
  return names
}

/**
 * Browsers refuse a wildcard directly under a TLD-like name (`*.localhost`, `*.test`):
 * returns a warning for each such name.
 */
export function wildcardWarnings(names: readonly SubjectName[]): string[] {
  return names
    .filter((name) => name.type === 'dns' && name.value.startsWith('*.') && !name.value.slice(2).includes('.'))
    .map((name) => `${name.value} is a wildcard directly under a top-level name; browsers refuse it. Use a name one level deeper, e.g. *.app.${name.value.slice(2)}`)
}
