import {describe, expect, it} from 'vitest'
import {shownIdentifier, validateIdentifiers} from '../../src/acme/handlers/identifiers.js'
import {AcmeProblem, PROBLEM_PREFIX} from '../../src/acme/problems.js'
import {defaultPolicy} from '../../src/ca/policy.js'

const policy = defaultPolicy()

/** The problem validateIdentifiers throws for `identifiers`, as the document the client would get. */
function refusal(identifiers: unknown) {
  try {
    validateIdentifiers(identifiers, policy, true)
  } catch (error) {
    if (error instanceof AcmeProblem) return error.toDocument()
    throw error
  }
  throw new Error(`${JSON.stringify(identifiers)} was accepted`)
}

describe('newOrder identifiers: IP addresses sent as dns identifiers (lego 4.9, acme-client auto())', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::1', '::1'],
    ['[::1]', '::1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['10.1.2.3', '10.1.2.3'],
  ])('accepts dns %s as the IP %s and keeps what was sent to echo it', (sent, ip) => {
    const [identifier] = validateIdentifiers([{type: 'dns', value: sent}], policy, true)
    expect(identifier).toEqual({type: 'ip', value: ip, sent: {type: 'dns', value: sent}})
    expect(shownIdentifier(identifier!)).toEqual({type: 'dns', value: sent})
  })

  it('leaves RFC 8738 ip identifiers and DNS names without a "sent" form, so they are echoed as normalised', () => {
    const accepted = validateIdentifiers([{type: 'ip', value: '[::1]'}, {type: 'dns', value: 'App.Localhost'}], policy, true)
    expect(accepted).toEqual([{type: 'ip', value: '::1'}, {type: 'dns', value: 'app.localhost'}])
    expect(accepted.map(shownIdentifier)).toEqual([{type: 'ip', value: '::1'}, {type: 'dns', value: 'app.localhost'}])
  })

  it('folds dns:127.0.0.1 and ip:127.0.0.1 into one identifier, keeping the ip form, in first-seen position', () => {
    expect(validateIdentifiers([{type: 'dns', value: '127.0.0.1'}, {type: 'dns', value: 'app.localhost'}, {type: 'ip', value: '127.0.0.1'}], policy, true))
      .toEqual([{type: 'ip', value: '127.0.0.1'}, {type: 'dns', value: 'app.localhost'}])
    expect(validateIdentifiers([{type: 'ip', value: '::1'}, {type: 'dns', value: '[::1]'}, {type: 'dns', value: '::1'}], policy, true))
      .toEqual([{type: 'ip', value: '::1'}])
  })

  it('folds two dns spellings of one IP into the first one sent', () => {
    expect(validateIdentifiers([{type: 'dns', value: '[::1]'}, {type: 'dns', value: '::1'}], policy, true))
      .toEqual([{type: 'ip', value: '::1', sent: {type: 'dns', value: '[::1]'}}])
  })

  it('refuses a public name with the same hint as `localcert cert`: a local name, or a new CA that repeats the domains allowed today', () => {
    const widened = defaultPolicy(['dev.example.com'])
    let detail = ''
    try {
      validateIdentifiers([{type: 'dns', value: 'www.google.com'}], widened, true)
    } catch (error) {
      detail = (error as AcmeProblem).toDocument().subproblems![0]!.detail
    }
    expect(detail).toMatch(/^www\.google\.com is outside this CA's permitted names \(.*dev\.example\.com.*\): use a local name instead, e\.g\. www\.localhost/)
    expect(detail).toContain('`localcert setup --allow-domain google.com --allow-domain dev.example.com` (repeating dev.example.com, which this CA allows today)')
  })

  it('refuses a public IP sent as a dns identifier, reporting the identifier as the client sent it', () => {
    const problem = refusal([{type: 'dns', value: '8.8.8.8'}, {type: 'dns', value: 'app.localhost'}])
    expect(problem.type).toBe(PROBLEM_PREFIX + 'rejectedIdentifier')
    expect(problem.subproblems).toEqual([{type: PROBLEM_PREFIX + 'rejectedIdentifier', detail: expect.stringMatching(/8\.8\.8\.8 is outside this CA's permitted names.*this CA signs only loopback and private addresses/), identifier: {type: 'dns', value: '8.8.8.8'}}])
  })

  it.each([
    ['an IPv6 address outside the policy', {type: 'dns', value: '[2001:db8::1]'}, /outside this CA's permitted names/],
    ['a malformed IPv4 address as type ip', {type: 'ip', value: '127.0.0.256'}, /not a valid IP address/],
    ['brackets around a name', {type: 'dns', value: '[app.localhost]'}, /not a valid host name/],
    ['an IP with a port', {type: 'dns', value: '127.0.0.1:8443'}, /not a valid host name/],
  ])('refuses %s with rejectedIdentifier', (_label, identifier, detail) => {
    const problem = refusal([identifier])
    expect(problem.type).toBe(PROBLEM_PREFIX + 'rejectedIdentifier')
    expect(problem.subproblems![0]).toMatchObject({detail: expect.stringMatching(detail), identifier})
  })
})
