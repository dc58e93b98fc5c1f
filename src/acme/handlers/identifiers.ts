import {isIP} from 'node:net'
import {unbracketHost} from '../../lib/host.js'
import {normaliseDnsName, normaliseIp} from '../../ca/names.js'
import {describePolicy, isAllowed, type NamePolicy} from '../../ca/policy.js'
import {identifierProblem, AcmeProblem, type Identifier, type Subproblem} from '../problems.js'

/** More than this in one order is a mistake, not a certificate (Let's Encrypt allows 100). */
const MAX_IDENTIFIERS = 100

function widenHint(policy: NamePolicy, value: string, type: 'dns' | 'ip'): string {
  const names = `this CA signs only ${describePolicy(policy)}`
  if (type === 'ip') return `${names}; use a loopback or private address`
  return `${names}; use a name such as app.localhost, or recreate the CA with \`localcert setup --allow-domain ${value.replace(/^\*\./, '')}\``
}

function checkOne(raw: unknown, policy: NamePolicy, wildcardsAllowed: boolean): Identifier | Subproblem {
  const input = raw as {type?: unknown; value?: unknown}
  const shown: Identifier = {type: input?.type === 'ip' ? 'ip' : 'dns', value: String(input?.value ?? '')}
  if (typeof raw !== 'object' || raw === null || typeof input.value !== 'string') {
    return {type: 'malformed', detail: 'each identifier must be an object {type, value} with a string value', identifier: shown}
  }
  if (input.type !== 'dns' && input.type !== 'ip') {
    return {type: 'unsupportedIdentifier', detail: `identifier type ${JSON.stringify(input.type)} is not supported; use "dns" or "ip"`, identifier: shown}
  }
  let value: string
  try {
    if (input.type === 'ip') {
      value = normaliseIp(input.value)
    } else {
      if (isIP(unbracketHost(input.value))) {
        return {type: 'rejectedIdentifier', detail: `${input.value} is an IP address: send it as {"type": "ip"} (RFC 8738), not as a DNS name`, identifier: shown}
      }
      if (/\s/.test(input.value)) throw new Error('whitespace')
      value = normaliseDnsName(input.value)
    }
  } catch {
    return {type: 'rejectedIdentifier', detail: `${JSON.stringify(input.value)} is not a valid ${input.type === 'ip' ? 'IP address' : 'host name'}`, identifier: shown}
  }
  const identifier: Identifier = {type: input.type, value}
  if (value.startsWith('*.')) {
    if (!value.slice(2).includes('.')) {
      return {type: 'rejectedIdentifier', detail: `${value} is a wildcard directly under a top-level name, which browsers refuse; ask for *.app.${value.slice(2)} instead`, identifier}
    }
    if (!wildcardsAllowed) {
      return {type: 'rejectedIdentifier', detail: `${value} needs a dns-01 challenge, which --validate mode does not offer; drop --validate (names inside the CA's policy are pre-authorized) or ask for the names themselves`, identifier}
    }
  }
  const name = input.type === 'ip' ? ({type: 'ip', value} as const) : ({type: 'dns', value} as const)
  if (!isAllowed(policy, name)) return {type: 'rejectedIdentifier', detail: `${value} is outside this CA's permitted names: ${widenHint(policy, value, input.type)}`, identifier}
  return identifier
}

/**
 * Validates and normalises newOrder identifiers (RFC 8555 §7.1.3/§7.4, RFC 8738): dns or ip, lower case,
 * punycode, no duplicates, and inside the CA's name policy. Every refused identifier becomes its own subproblem.
 * @example validateIdentifiers([{type: 'dns', value: 'App.localhost'}], policy, true) // [{type:'dns', value:'app.localhost'}]
 */
export function validateIdentifiers(raw: unknown, policy: NamePolicy, wildcardsAllowed: boolean): Identifier[] {
  if (!Array.isArray(raw) || raw.length === 0) throw new AcmeProblem('malformed', 'newOrder needs a non-empty "identifiers" array')
  if (raw.length > MAX_IDENTIFIERS) throw new AcmeProblem('rejectedIdentifier', `an order may name at most ${MAX_IDENTIFIERS} identifiers, this one has ${raw.length}`)
  const accepted: Identifier[] = []
  const refused: Subproblem[] = []
  const seen = new Set<string>()
  for (const item of raw) {
    const result = checkOne(item, policy, wildcardsAllowed)
    if ('detail' in result) {
      refused.push(result)
      continue
    }
    const key = `${result.type}:${result.value}`
    if (!seen.has(key)) {
      seen.add(key)
      accepted.push(result)
    }
  }
  if (refused.length) throw identifierProblem(refused)
  return accepted
}
