import {createHash} from 'node:crypto'
import {lookup} from 'node:dns/promises'
import http from 'node:http'
import {isIP} from 'node:net'
import tls from 'node:tls'
import {loadX509} from '../../ca/x509.js'
import {hostPort, unbracketHost} from '../../lib/host.js'
import {isLoopback} from '../../lib/ip.js'
import {normaliseIp} from '../../ca/names.js'
import type {ValidationPorts} from '../context.js'
import type {ChallengeType, OrderIdentifier} from '../storage/model.js'
import {AcmeProblem, type Identifier} from '../problems.js'

const TIMEOUT_MS = 5_000
const MAX_BODY = 8_192
const MAX_REDIRECTS = 3
/** id-pe-acmeIdentifier (RFC 8737 §3). */
const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31'

/**
 * The loopback address to contact for an identifier. `.localhost` names are loopback by definition (RFC 6761 §6.3),
 * so they are answered here instead of by the OS resolver; anything that is not this machine is refused (no SSRF).
 */
async function loopbackAddress(identifier: Identifier): Promise<string> {
  if (identifier.type === 'ip') {
    if (!isLoopback(identifier.value)) throw new AcmeProblem('connection', `refusing to connect to ${identifier.value}: --validate checks only this machine (127.0.0.0/8, ::1)`)
    return identifier.value
  }
  if (identifier.value === 'localhost' || identifier.value.endsWith('.localhost')) return '127.0.0.1'
  let addresses: string[]
  try {
    addresses = (await lookup(identifier.value, {all: true})).map((entry) => entry.address)
  } catch (error) {
    throw new AcmeProblem('dns', `${identifier.value} does not resolve (${(error as NodeJS.ErrnoException).code}); add "127.0.0.1 ${identifier.value}" to your hosts file or use a .localhost name`)
  }
  const local = addresses.find(isLoopback)
  if (!local) throw new AcmeProblem('dns', `${identifier.value} resolves to ${addresses.join(', ')}, not to this machine; --validate checks only loopback`)
  return local
}

function connectionProblem(error: NodeJS.ErrnoException, where: string, kind: ChallengeType): AcmeProblem {
  const hint = kind === 'http-01' ? 'is your server answering /.well-known/acme-challenge/ there?' : 'is your server answering TLS with ALPN acme-tls/1 there?'
  return new AcmeProblem('connection', `${error.code ?? error.message} connecting to ${where}: ${hint}`)
}

function fetchOnce(address: string, port: number, hostname: string, path: string): Promise<{status: number; body: string; location?: string}> {
  return new Promise((resolve, reject) => {
    const request = http.get({host: address, port, path, headers: {Host: hostPort(hostname, port, 80), 'User-Agent': 'localcert-acme-validator'}, timeout: TIMEOUT_MS}, (response) => {
      let body = ''
      response.setEncoding('utf8')
      response.on('data', (chunk: string) => {
        body += chunk
        if (body.length > MAX_BODY) request.destroy(Object.assign(new Error('response larger than 8 KiB'), {code: 'ETOOBIG'}))
      })
      response.on('end', () => resolve({status: response.statusCode ?? 0, body, location: response.headers.location}))
      response.on('error', reject)
    })
    request.on('timeout', () => request.destroy(Object.assign(new Error('timed out'), {code: 'ETIMEDOUT'})))
    request.on('error', reject)
  })
}

/** http-01 (RFC 8555 §8.3): GET the token over plain HTTP on loopback, following a few loopback redirects. */
async function validateHttp01(identifier: Identifier, token: string, keyAuthorization: string, port: number): Promise<void> {
  let target = {hostname: identifier.value, port, path: `/.well-known/acme-challenge/${token}`}
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const address = await loopbackAddress({type: isIP(target.hostname) ? 'ip' : 'dns', value: target.hostname})
    const where = `http://${hostPort(target.hostname, target.port, 80)}${target.path}`
    let response: Awaited<ReturnType<typeof fetchOnce>>
    try {
      response = await fetchOnce(address, target.port, target.hostname, target.path)
    } catch (error) {
      throw connectionProblem(error as NodeJS.ErrnoException, where, 'http-01')
    }
    if ([301, 302, 303, 307, 308].includes(response.status) && response.location) {
      const next = new URL(response.location, where)
      if (next.protocol !== 'http:') throw new AcmeProblem('connection', `${where} redirects to ${next.protocol}, which http-01 does not follow here`)
      target = {hostname: unbracketHost(next.hostname), port: Number(next.port || 80), path: next.pathname + next.search}
      continue
    }
    if (response.status !== 200) throw new AcmeProblem('incorrectResponse', `${where} answered HTTP ${response.status}; it must answer 200 with the key authorization`)
    if (response.body.replace(/[\s]+$/, '') !== keyAuthorization) throw new AcmeProblem('incorrectResponse', `${where} answered ${JSON.stringify(response.body.slice(0, 100))}, expected the key authorization ${keyAuthorization}`)
    return
  }
  throw new AcmeProblem('connection', `more than ${MAX_REDIRECTS} redirects while fetching the http-01 token`)
}

/** The SNI name for an identifier: the name itself, or the reverse-DNS name of an IP (RFC 8738 §6). */
export function sniName(identifier: Identifier): string {
  if (identifier.type === 'dns') return identifier.value
  if (isIP(identifier.value) === 4) return `${identifier.value.split('.').reverse().join('.')}.in-addr.arpa`
  const [head = '', tail] = new URL(`http://[${identifier.value}]/`).hostname.slice(1, -1).split('::')
  const first = head ? head.split(':') : []
  const last = tail ? tail.split(':') : []
  const groups = tail === undefined ? first : [...first, ...Array(8 - first.length - last.length).fill('0'), ...last]
  const nibbles = groups.map((group) => group.padStart(4, '0')).join('')
  return `${nibbles.split('').reverse().join('.')}.ip6.arpa`
}

function handshake(address: string, port: number, servername: string): Promise<{alpn: string | false | null; der: Buffer}> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({host: address, port, servername, ALPNProtocols: ['acme-tls/1'], rejectUnauthorized: false, timeout: TIMEOUT_MS}, () => {
      const der = socket.getPeerX509Certificate()?.raw
      const alpn = socket.alpnProtocol
      socket.end()
      if (!der) reject(Object.assign(new Error('no certificate presented'), {code: 'ENOCERT'}))
      else resolve({alpn, der})
    })
    socket.on('timeout', () => socket.destroy(Object.assign(new Error('timed out'), {code: 'ETIMEDOUT'})))
    socket.on('error', reject)
  })
}

/** The one SAN of a tls-alpn-01 certificate names the identifier; for an IP sent as a dns identifier, a dNSName holding that IP's text also does, since such a client sees it as a name. */
function sanMatches(entry: {type: string; value: string}, identifier: OrderIdentifier): boolean {
  if (identifier.type === 'dns') return entry.type === 'dns' && entry.value.toLowerCase() === identifier.value
  const sameIp = isIP(unbracketHost(entry.value)) !== 0 && normaliseIp(entry.value) === identifier.value
  return sameIp && (entry.type === 'ip' || (entry.type === 'dns' && identifier.sent?.type === 'dns'))
}

/** tls-alpn-01 (RFC 8737 §3): one SAN equal to the identifier and a critical acmeIdentifier = SHA-256(keyAuth). */
async function validateTlsAlpn01(identifier: OrderIdentifier, keyAuthorization: string, port: number): Promise<void> {
  const address = await loopbackAddress(identifier)
  const where = `${hostPort(identifier.value, port, 443)} (${address})`
  let result: Awaited<ReturnType<typeof handshake>>
  try {
    result = await handshake(address, port, sniName(identifier))
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? ''
    // A TLS alert (e.g. no_application_protocol) means something answered, but not an acme-tls/1 responder.
    if (code.startsWith('ERR_SSL')) throw new AcmeProblem('tls', `${where} refused the acme-tls/1 handshake (${code})`)
    throw connectionProblem(error as NodeJS.ErrnoException, where, 'tls-alpn-01')
  }
  if (result.alpn !== 'acme-tls/1') throw new AcmeProblem('tls', `${where} did not negotiate ALPN acme-tls/1`)
  const x509 = await loadX509()
  const cert = new x509.X509Certificate(new Uint8Array(result.der))
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension)
  const names = san?.names.items ?? []
  if (names.length !== 1 || !sanMatches(names[0]!, identifier)) {
    throw new AcmeProblem('incorrectResponse', `the tls-alpn-01 certificate from ${where} must name exactly ${identifier.value} in its subjectAltName`)
  }
  const extension = cert.extensions.find((item) => item.type === ACME_IDENTIFIER_OID)
  if (!extension || !extension.critical) throw new AcmeProblem('incorrectResponse', `the tls-alpn-01 certificate from ${where} lacks the critical acmeIdentifier extension`)
  const expected = Buffer.concat([Buffer.from([0x04, 0x20]), createHash('sha256').update(keyAuthorization).digest()])
  if (!Buffer.from(extension.value).equals(expected)) throw new AcmeProblem('incorrectResponse', `the acmeIdentifier in the certificate from ${where} is not SHA-256 of the key authorization`)
}

/** Runs the check for one challenge type against loopback. */
export async function validateChallenge(type: ChallengeType, identifier: OrderIdentifier, keyAuthorization: string, ports: ValidationPorts): Promise<void> {
  const token = keyAuthorization.slice(0, keyAuthorization.indexOf('.'))
  if (type === 'http-01') return validateHttp01(identifier, token, keyAuthorization, ports.httpPort)
  if (type === 'tls-alpn-01') return validateTlsAlpn01(identifier, keyAuthorization, ports.tlsPort)
  throw new AcmeProblem('malformed', `${type} cannot be validated by this server`)
}
