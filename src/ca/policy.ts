import {inCidr, ipFamily} from '../lib/ip.js'
import {LocalcertError} from '../errors.js'
import {normaliseDnsName, type SubjectName} from './names.js'

/** Which names a CA may sign; written into the root and intermediate as critical Name Constraints. */
export interface NamePolicy {
  constrained: boolean
  /** DNS suffixes: each covers the name itself and every name below it. */
  domains: string[]
  /** CIDR ranges, IPv4 and IPv6. */
  ipRanges: string[]
}

const DEFAULT_DOMAINS = ['localhost', 'test', 'internal', 'home.arpa', 'local'] as const
const DEFAULT_IP_RANGES = ['127.0.0.0/8', '::1/128', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'] as const

/** Single labels that are not public top-level domains (RFC 6762 appendix G, RFC 2606, common LAN suffixes). */
const PRIVATE_LABELS = new Set(['lan', 'home', 'corp', 'intranet', 'private', 'localdomain', 'internal', 'test', 'local', 'localhost', 'example', 'invalid'])
/** Second-level labels that registries sell names under (co.uk, com.au…): a public suffix, not a domain. */
const REGISTRY_LABELS = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'ne', 'or', 'go', 'gob', 'mil', 'nic'])

/**
 * Refuses an --allow-domain that would let the CA sign for a whole public namespace (`com`, `dev`, `co.uk`): the
 * name constraints exist so that a leaked key cannot impersonate public sites.
 * @example assertNotPublicSuffix('dev.example.com') // ok; assertNotPublicSuffix('dev') throws DOMAIN_TOO_BROAD
 */
function assertNotPublicSuffix(domain: string): void {
  const labels = domain.split('.')
  const publicSuffix = labels.length === 1 ? !PRIVATE_LABELS.has(domain) : labels.length === 2 && labels[1]!.length === 2 && REGISTRY_LABELS.has(labels[0]!)
  if (publicSuffix) {
    throw new LocalcertError('DOMAIN_TOO_BROAD', `--allow-domain ${domain} would let this CA sign for every public site under "${domain}"`, 'allow a domain you control, e.g. --allow-domain dev.example.com (or, if you really need it, --no-name-constraints)')
  }
}

export function defaultPolicy(extraDomains: readonly string[] = [], constrained = true): NamePolicy {
  if (!constrained) return {constrained: false, domains: [], ipRanges: []}
  const domains: string[] = [...DEFAULT_DOMAINS]
  for (const extra of extraDomains) {
    const domain = normaliseDnsName(extra)
    if (domain.startsWith('*')) {
      throw new LocalcertError('INVALID_NAME', `--allow-domain takes a domain, not a wildcard: "${extra}"`, `use --allow-domain ${domain.slice(2)} (it covers every name below it)`)
    }
    assertNotPublicSuffix(domain)
    if (!domains.includes(domain)) domains.push(domain)
  }
  return {constrained: true, domains, ipRanges: [...DEFAULT_IP_RANGES]}
}

function dnsAllowed(policy: NamePolicy, host: string): boolean {
  const bare = host.startsWith('*.') ? host.slice(2) : host
  return policy.domains.some((domain) => bare === domain || bare.endsWith(`.${domain}`))
}

function ipAllowed(policy: NamePolicy, ip: string): boolean {
  return policy.ipRanges.some((range) => inCidr(ip, range))
}

/** True when the CA's policy covers this name (an unconstrained CA covers everything). */
export function isAllowed(policy: NamePolicy, name: SubjectName): boolean {
  if (!policy.constrained) return true
  switch (name.type) {
    case 'dns':
      return dnsAllowed(policy, name.value)
    case 'ip':
      return ipAllowed(policy, name.value)
    case 'email':
      return dnsAllowed(policy, name.value.slice(name.value.lastIndexOf('@') + 1))
    case 'uri':
      return ipFamily(name.host) === 0 && dnsAllowed(policy, name.host)
  }
}

/**
 * Why a name outside the policy is refused, and what the user can really do about it: the one wording behind
 * NAME_NOT_ALLOWED and the ACME server's rejectedIdentifier.
 * @example policyRefusal(defaultPolicy(), {type: 'ip', value: '8.8.8.8'}).hint // 'this CA signs only loopback and private addresses; …'
 */
export function policyRefusal(policy: NamePolicy, name: SubjectName): {message: string; hint: string} {
  const host = name.type === 'email' ? name.value.slice(name.value.lastIndexOf('@') + 1) : name.type === 'uri' ? name.host : name.value
  const hint =
    name.type === 'ip' || (name.type === 'uri' && ipFamily(name.host) !== 0)
      ? 'this CA signs only loopback and private addresses; create an unconstrained CA with `localcert uninstall` then `localcert setup --no-name-constraints` if you really need it'
      : outsideDomainHint(policy, host.replace(/^\*\./, ''))
  return {message: `${name.value} is outside this CA's permitted names (${describePolicy(policy)})`, hint}
}

/** Throws NAME_NOT_ALLOWED for the first name outside the policy, saying how to widen it. */
export function assertAllowed(policy: NamePolicy, names: readonly SubjectName[]): void {
  const refused = names.find((name) => !isAllowed(policy, name))
  if (!refused) return
  const {message, hint} = policyRefusal(policy, refused)
  throw new LocalcertError('NAME_NOT_ALLOWED', message, hint)
}

/**
 * What a user can really do about a DNS name outside the policy: use a local name, or (only for a domain they control)
 * make a new CA, since a root's name constraints cannot change; the domains allowed today must be named again.
 */
function outsideDomainHint(policy: NamePolicy, host: string): string {
  const labels = host.split('.')
  const domain = labels.slice(labels.length > 2 && REGISTRY_LABELS.has(labels.at(-2)!) ? -3 : -2).join('.')
  const kept = policy.domains.filter((allowed) => !(DEFAULT_DOMAINS as readonly string[]).includes(allowed) && allowed !== domain)
  const setup = ['localcert setup', ...[domain, ...kept].map((allowed) => `--allow-domain ${allowed}`)].join(' ')
  const keeping = kept.length ? ` (repeating ${kept.join(', ')}, which this CA allows today)` : ''
  return `use a local name instead, e.g. ${labels[0]}.localhost or ${labels[0]}.test; only for a domain you control: a root's name constraints cannot change, so it takes a new CA — \`localcert uninstall\` (certificates it issued stop being trusted), then \`${setup}\`${keeping}`
}

/**
 * The permitted names for people: a domain covers itself and every name below it, so `localhost` and the domains
 * added with --allow-domain show both; the default suffixes (test, internal…) only as `*.x`, since nobody names a
 * server `test`.
 * @example describePolicy(defaultPolicy()) // 'localhost, *.localhost, *.test, …, 127.0.0.0/8, …'
 */
export function describePolicy(policy: NamePolicy): string {
  if (!policy.constrained) return 'unconstrained'
  const suffixOnly = (domain: string) => domain !== 'localhost' && (DEFAULT_DOMAINS as readonly string[]).includes(domain)
  return [...policy.domains.flatMap((d) => (suffixOnly(d) ? [`*.${d}`] : [d, `*.${d}`])), ...policy.ipRanges].join(', ')
}

/** DER of the NameConstraints extension value (RFC 5280 §4.2.1.10) for a constrained policy. */
export async function nameConstraintsDer(policy: NamePolicy): Promise<ArrayBuffer> {
  const {AsnConvert} = await import('@peculiar/asn1-schema')
  const {NameConstraints, GeneralSubtrees, GeneralSubtree, GeneralName} = await import('@peculiar/asn1-x509')
  const subtrees: InstanceType<typeof GeneralSubtree>[] = []
  for (const domain of policy.domains) {
    subtrees.push(new GeneralSubtree({base: new GeneralName({dNSName: domain})}))
  }
  for (const range of policy.ipRanges) {
    subtrees.push(new GeneralSubtree({base: new GeneralName({iPAddress: range})}))
  }
  // Without rfc822Name and URI subtrees, emails and URIs would be unconstrained (RFC 5280: a type with no constraint is free).
  for (const domain of policy.domains) {
    subtrees.push(new GeneralSubtree({base: new GeneralName({rfc822Name: domain})}))
    subtrees.push(new GeneralSubtree({base: new GeneralName({rfc822Name: `.${domain}`})}))
    subtrees.push(new GeneralSubtree({base: new GeneralName({uniformResourceIdentifier: domain})}))
    subtrees.push(new GeneralSubtree({base: new GeneralName({uniformResourceIdentifier: `.${domain}`})}))
  }
  return AsnConvert.serialize(new NameConstraints({permittedSubtrees: new GeneralSubtrees(subtrees)}))
}
