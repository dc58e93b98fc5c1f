import {randomBytes} from 'node:crypto'
import {parseAriCertId} from './ari.js'
import type {AcmeContext, Reply, SignedRequest} from '../context.js'
import type {Urls} from '../front/directory.js'
import {shownIdentifier, validateIdentifiers} from './identifiers.js'
import type {Authorization, Challenge, ChallengeType, Order, OrderStatus} from '../storage/model.js'
import {AcmeProblem} from '../problems.js'
import {resolveProfile} from '../profiles.js'

/** Orders and their authorizations live a day (pebble and step-ca use 24 h too). */
const ORDER_LIFETIME_MS = 86_400_000

const token = () => randomBytes(16).toString('base64url')

/**
 * The live status of an order (RFC 8555 §7.1.6), computed from its authorizations on every read so that the read
 * right after the last authorization turns valid already says `ready` (certbot#9766).
 */
export function orderStatus(order: Order, now = Date.now()): OrderStatus {
  if (order.status === 'valid' || order.status === 'invalid' || order.status === 'processing') return order.status
  if (Date.parse(order.expires) <= now) return 'invalid'
  const statuses = order.authorizations.map((authz) => authz.status)
  if (statuses.some((status) => status !== 'valid' && status !== 'pending')) return 'invalid'
  return statuses.every((status) => status === 'valid') ? 'ready' : 'pending'
}

function authzStatus(order: Order, authz: Authorization, now = Date.now()): Authorization['status'] {
  if ((authz.status === 'pending' || authz.status === 'valid') && Date.parse(order.expires) <= now) return 'expired'
  return authz.status
}

/** Pre-authorized ("zero-challenge"): valid, listing one valid challenge, never an empty array (dogtagpki#5060). */
function preAuthorized(wildcard: boolean, now: string): Challenge[] {
  return [{type: wildcard ? 'dns-01' : 'http-01', token: token(), status: 'valid', validated: now}]
}

function offered(): Challenge[] {
  return (['http-01', 'tls-alpn-01'] as ChallengeType[]).map((type) => ({type, token: token(), status: 'pending'}))
}

export function orderJson(order: Order, urls: Urls) {
  const status = orderStatus(order)
  return {
    status,
    expires: order.expires,
    identifiers: order.identifiers.map(shownIdentifier),
    authorizations: order.authorizations.map((_, index) => urls.authz(order.id, index)),
    finalize: urls.finalize(order.id),
    profile: order.profile,
    ...(order.replaces ? {replaces: order.replaces} : {}),
    ...(order.certificateId && status === 'valid' ? {certificate: urls.certificate(order.certificateId)} : {}),
    ...(order.error ? {error: order.error} : {}),
  }
}

function challengeJson(order: Order, index: number, challenge: Challenge, urls: Urls) {
  return {
    type: challenge.type,
    url: urls.challenge(order.id, index, challenge.type),
    token: challenge.token,
    status: challenge.status,
    ...(challenge.validated ? {validated: challenge.validated} : {}),
    ...(challenge.error ? {error: challenge.error} : {}),
  }
}

function authzJson(order: Order, index: number, urls: Urls) {
  const authz = order.authorizations[index]!
  return {
    identifier: shownIdentifier(authz.identifier),
    status: authzStatus(order, authz),
    expires: order.expires,
    challenges: authz.challenges.map((challenge) => challengeJson(order, index, challenge, urls)),
    ...(authz.wildcard ? {wildcard: true} : {}),
  }
}

/** The order with this id if the signing account owns it: 404 when unknown, unauthorized when someone else's. */
export function ownOrder(req: SignedRequest, ctx: AcmeContext, id: string): Order {
  const order = ctx.store.order(id)
  if (!order) throw new AcmeProblem('malformed', `order ${id} does not exist (or expired)`, {status: 404})
  if (order.accountId !== req.account!.id) throw new AcmeProblem('unauthorized', `order ${id} belongs to another account`)
  return order
}

function checkReplaces(req: SignedRequest, ctx: AcmeContext, value: unknown, names: Set<string>): string {
  if (typeof value !== 'string') throw new AcmeProblem('malformed', '"replaces" must be an ARI certificate identifier string')
  const cert = ctx.store.certificateByAriId(parseAriCertId(value))
  if (!cert) throw new AcmeProblem('malformed', `"replaces" names a certificate this server does not know: ${value}`)
  if (cert.accountId !== req.account!.id) throw new AcmeProblem('unauthorized', 'the certificate in "replaces" was issued to another account')
  if (!cert.names.some((name) => names.has(name))) throw new AcmeProblem('malformed', 'the certificate in "replaces" shares no identifier with this order')
  const replacer = cert.replacedBy ? ctx.store.order(cert.replacedBy) : undefined
  if (replacer && orderStatus(replacer) !== 'invalid') {
    throw new AcmeProblem('alreadyReplaced', `the certificate ${value} is already being replaced by order ${replacer.id}`)
  }
  return cert.id
}

/** newOrder (RFC 8555 §7.4): validated identifiers, a profile, authorizations pre-validated unless --validate. */
export function newOrder(req: SignedRequest, ctx: AcmeContext): Reply {
  const payload = req.payload
  if (!payload) throw new AcmeProblem('malformed', 'newOrder needs a JSON payload with "identifiers"')
  if (payload.notBefore !== undefined || payload.notAfter !== undefined) {
    throw new AcmeProblem('malformed', 'notBefore/notAfter are not supported; choose a lifetime with a profile instead (see the directory\'s meta.profiles)')
  }
  const identifiers = validateIdentifiers(payload.identifiers, ctx.ca.authority.meta.policy, !ctx.validate)
  const profile = resolveProfile(payload.profile)
  const names = new Set(identifiers.map((identifier) => identifier.value))
  const replacedId = payload.replaces === undefined ? undefined : checkReplaces(req, ctx, payload.replaces, names)
  ctx.limits.takeOrder(req.account!.id, [...names])
  const now = new Date()
  const authorizations: Authorization[] = identifiers.map((identifier) => {
    const wildcard = identifier.value.startsWith('*.')
    const value = wildcard ? identifier.value.slice(2) : identifier.value
    return {
      identifier: {type: identifier.type, value, ...(identifier.sent ? {sent: identifier.sent} : {})},
      ...(wildcard ? {wildcard: true} : {}),
      status: ctx.validate ? 'pending' : 'valid',
      challenges: ctx.validate ? offered() : preAuthorized(wildcard, now.toISOString()),
    }
  })
  const order: Order = {
    id: randomBytes(12).toString('base64url'),
    accountId: req.account!.id,
    status: 'pending',
    expires: new Date(now.getTime() + ORDER_LIFETIME_MS).toISOString(),
    identifiers,
    profile: profile.name,
    authorizations,
    createdAt: now.toISOString(),
    ...(typeof payload.replaces === 'string' ? {replaces: payload.replaces} : {}),
  }
  ctx.store.saveOrder(order)
  if (replacedId) ctx.store.markReplaced(replacedId, order.id)
  return {status: 201, body: orderJson(order, req.urls), location: req.urls.order(order.id)}
}

export function getOrder(req: SignedRequest, ctx: AcmeContext, id: string): Reply {
  const order = ownOrder(req, ctx, id)
  return {status: 200, body: orderJson(order, req.urls)}
}

function authzAt(order: Order, indexText: string) {
  const index = Number(indexText)
  if (!Number.isInteger(index) || index < 0 || index >= order.authorizations.length) throw new AcmeProblem('malformed', 'no such authorization', {status: 404})
  return {index, authz: order.authorizations[index]!}
}

/** POST to an authorization: fetch it, or deactivate it (RFC 8555 §7.5, §7.5.2). */
export function postAuthz(req: SignedRequest, ctx: AcmeContext, orderId: string, indexText: string): Reply {
  const order = ownOrder(req, ctx, orderId)
  const {index, authz} = authzAt(order, indexText)
  if (req.payload && Object.keys(req.payload).length > 0) {
    if (req.payload.status !== 'deactivated') throw new AcmeProblem('malformed', 'an authorization can only be updated to {"status": "deactivated"}')
    if (authz.status !== 'pending' && authz.status !== 'valid') throw new AcmeProblem('malformed', `this authorization is ${authz.status} and cannot be deactivated`)
    authz.status = 'deactivated'
    ctx.store.saveOrder(order)
  }
  return {status: 200, body: authzJson(order, index, req.urls)}
}

/** POST to a challenge: `{}` asks us to validate it now; the answer carries the final state (RFC 8555 §7.5.1). */
export async function postChallenge(req: SignedRequest, ctx: AcmeContext, orderId: string, indexText: string, type: string): Promise<Reply> {
  const order = ownOrder(req, ctx, orderId)
  const {index, authz} = authzAt(order, indexText)
  const challenge = authz.challenges.find((item) => item.type === type)
  if (!challenge) throw new AcmeProblem('malformed', `this authorization has no ${type} challenge`, {status: 404})
  const key = `${order.id}/${index}/${type}`
  if (req.payload && challenge.status === 'pending' && authzStatus(order, authz) === 'pending' && ctx.validate) {
    if (!ctx.validations.has(key)) ctx.validations.set(key, runValidation(ctx, order, authz, challenge, req.account!.thumbprint).finally(() => ctx.validations.delete(key)))
  }
  await ctx.validations.get(key)
  return {status: 200, body: challengeJson(order, index, challenge, req.urls), links: [`<${req.urls.authz(order.id, index)}>;rel="up"`]}
}

async function runValidation(ctx: AcmeContext, order: Order, authz: Authorization, challenge: Challenge, thumbprint: string): Promise<void> {
  const {validateChallenge} = await import('../validation/challenges.js')
  challenge.status = 'processing'
  try {
    await validateChallenge(challenge.type, authz.identifier, `${challenge.token}.${thumbprint}`, ctx.validate!)
    challenge.status = 'valid'
    challenge.validated = new Date().toISOString()
    authz.status = 'valid'
    ctx.emit({type: 'validation', orderId: order.id, identifier: authz.identifier.value, challenge: challenge.type, ok: true})
  } catch (error) {
    const problem = error instanceof AcmeProblem ? error : new AcmeProblem('serverInternal', `validation failed: ${(error as Error).message}`)
    challenge.status = 'invalid'
    challenge.error = problem.toDocument()
    authz.status = 'invalid'
    ctx.emit({type: 'validation', orderId: order.id, identifier: authz.identifier.value, challenge: challenge.type, ok: false, detail: problem.message})
  }
  ctx.store.saveOrder(order)
}
