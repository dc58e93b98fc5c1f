import {isIP} from 'node:net'
import {unbracketHost} from '../../lib/host.js'
import {normaliseDnsName, normaliseIp} from '../../ca/names.js'
import {isAllowed, policyRefusal, type NamePolicy} from '../../ca/policy.js'
import {identifierProblem, AcmeProblem, type Identifier, type Subproblem} from '../problems.js'
import type {OrderIdentifier} from '../storage/model.js'

/** More than this in one order is a mistake, not a certificate (Let's Encrypt allows 100). */
const MAX_IDENTIFIERS = 100

/** True when a dns identifier's value is really an IP address (`127.0.0.1`, `::1`, `[::1]`). */
function isIpText(value: string): boolean {
  return isIP(unbracketHost(value)) !== 0
}

function checkOne(raw: unknown, policy: NamePolicy, wildcardsAllowed: boolean): OrderIdentifier | Subproblem {
  const input = raw as {type?: unknown; value?: unknown}
  const shown: Identifier = {type: input?.type === 'ip' ? 'ip' : 'dns', value: String(input?.value ?? '')}
  if (typeof raw !== 'object' || raw === null || typeof input.value !== 'string') {
    return {type: 'malformed', detail: 'each identifier must be an object {type, value} with a string value', identifier: shown}
  }
  if (input.type !== 'dns' && input.type !== 'ip') {
    return {type: 'unsupportedIdentifier', detail: `identifier type ${JSON.stringify(input.type)} is not supported; use "dns" or "ip"`, identifier: shown}
  }
  // lego 4.9 and acme-client's auto() send IPs as dns identifiers; judge and issue them as RFC 8738 ip identifiers.
  const type = input.type === 'ip' || isIpText(input.value) ? 'ip' : 'dns'
  let value: string
  try {
    if (type === 'ip') {
      value = normaliseIp(input.value)
    } else {
      if (/\s/.test(input.value)) throw new Error('whitespace')
      value = normaliseDnsName(input.value)
    }
  } catch {
    return {type: 'rejectedIdentifier', detail: `${JSON.stringify(input.value)} is not a valid ${type === 'ip' ? 'IP address' : 'host name'}`, identifier: shown}
  }
  const identifier: OrderIdentifier = type === input.type ? {type, value} : {type, value, sent: shown}
  const reported: Identifier = identifier.sent ?? identifier
  if (value.startsWith('*.')) {
    if (!value.slice(2).includes('.')) {
      return {type: 'rejectedIdentifier', detail: `${value} is a wildcard directly under a top-level name, which browsers refuse; ask for *.app.${value.slice(2)} instead`, identifier}
    }
    if (!wildcardsAllowed) {
      return {type: 'rejectedIdentifier', detail: `${value} needs a dns-01 challenge, which --validate mode does not offer; drop --validate (names inside the CA's policy are pre-authorized) or ask for the names themselves`, identifier}
    }
  }
  if (!isAllowed(policy, {type, value})) {
    const {message, hint} = policyRefusal(policy, {type, value})
    return {type: 'rejectedIdentifier', detail: `${message}: ${hint}`, identifier: reported}
  }
  return identifier
}

/**
 * What the order and its authorizations show for an identifier: exactly what the client sent, so that clients which
 * match authorizations to their own names (by type and value) find them.
 * @example shownIdentifier({type: 'ip', value: '127.0.0.1', sent: {type: 'dns', value: '127.0.0.1'}}) // {type: 'dns', value: '127.0.0.1'}
 */
export function shownIdentifier(identifier: OrderIdentifier): Identifier {
  return identifier.sent ?? {type: identifier.type, value: identifier.value}
}

/**
 * Validates and normalises newOrder identifiers (RFC 8555 §7.1.3/§7.4, RFC 8738): dns or ip, lower case,
 * punycode, no duplicates, and inside the CA's name policy. Every refused identifier becomes its own subproblem.
 * An IP sent as a dns identifier is accepted as that IP (a deviation from RFC 8738 §3, which real clients need)
 * and keeps what was sent in `sent`; sent both ways, the two fold into one and the ip form is kept.
 * @example validateIdentifiers([{type: 'dns', value: 'App.localhost'}], policy, true) // [{type:'dns', value:'app.localhost'}]
 * @example validateIdentifiers([{type: 'dns', value: '[::1]'}], policy, true) // [{type:'ip', value:'::1', sent:{type:'dns', value:'[::1]'}}]
 */
export function validateIdentifiers(raw: unknown, policy: NamePolicy, wildcardsAllowed: boolean): OrderIdentifier[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new AcmeProblem('malformed', 'newOrder needs a non-empty "identifiers" array')
  if (raw.length > MAX_IDENTIFIERS) throw new AcmeProblem('rejectedIdentifier', `an order may name at most ${MAX_IDENTIFIERS} identifiers, this one has ${raw.length}`)
  const accepted = new Map<string, OrderIdentifier>()
  const refused: Subproblem[] = []
  for (const item of raw) {
    const result = checkOne(item, policy, wildcardsAllowed)
    if ('detail' in result) {
      refused.push(result)
      continue
    }
    const key = `${result.type}:${result.value}`
    const earlier = accepted.get(key)
    // A client that also sent the RFC 8738 form understands it, so that is the one it gets back.
    if (!earlier || (earlier.sent && !result.sent)) accepted.set(key, result)
  }
  if (refused.length) throw identifierProblem(refused)
  return [...accepted.values()]
}
