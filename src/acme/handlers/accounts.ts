import {randomBytes} from 'node:crypto'
import {calculateJwkThumbprint, type JWK} from 'jose'
import type {AcmeContext, Reply, SignedRequest} from '../context.js'
import {PATHS, type Urls} from '../front/directory.js'
import {verifyEab} from '../front/eab.js'
import {checkJwk, parseJws, parsePayload, verifyJws} from '../front/jws.js'
import type {Account} from '../storage/model.js'
import {AcmeProblem} from '../problems.js'
import {orderStatus} from './orders.js'

const MAX_CONTACTS = 10
const ORDERS_PAGE = 100
const MAILTO = /^mailto:([^@\s,?;<>]+)@([^@\s,?;<>]+\.[^@\s,?;<>]+|localhost)$/i

function accountJson(account: Account, urls: Urls) {
  return {
    status: account.status,
    contact: account.contact,
    orders: urls.orders(account.id),
    createdAt: account.createdAt,
    ...(account.externalAccountBinding ? {externalAccountBinding: account.externalAccountBinding} : {}),
  }
}

/** Accepts mailto: contacts only (stored, never used: nothing sends mail locally) — RFC 8555 §7.3. */
function checkContacts(value: unknown): string[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string')) throw new AcmeProblem('malformed', '"contact" must be an array of URLs')
  if (value.length > MAX_CONTACTS) throw new AcmeProblem('invalidContact', `at most ${MAX_CONTACTS} contacts are accepted`)
  for (const contact of value as string[]) {
    if (!contact.toLowerCase().startsWith('mailto:')) throw new AcmeProblem('unsupportedContact', `contact ${JSON.stringify(contact)} is not supported; use mailto: addresses`)
    if (!MAILTO.test(contact)) throw new AcmeProblem('invalidContact', `contact ${JSON.stringify(contact)} is not a valid mailto: address (one address, no query)`)
  }
  return value as string[]
}

/** The account id named by a `kid` (its path), so a client that switched between localhost and 127.0.0.1 still works. */
export function accountIdFromKid(kid: string): string | undefined {
  let pathname: string
  try {
    pathname = new URL(kid).pathname
  } catch {
    return undefined
  }
  return pathname.startsWith(PATHS.account) && !pathname.slice(PATHS.account.length).includes('/') ? pathname.slice(PATHS.account.length) : undefined
}

/** newAccount (RFC 8555 §7.3): create, find an existing one (200), or onlyReturnExisting; EAB when required. */
export async function newAccount(req: SignedRequest, ctx: AcmeContext): Promise<Reply> {
  if (!req.jwk) throw new AcmeProblem('malformed', 'newAccount must be signed with the new key in a "jwk" header, not a "kid"')
  const payload = req.payload
  if (!payload) throw new AcmeProblem('malformed', 'newAccount needs a JSON payload, e.g. {"termsOfServiceAgreed": true}')
  const thumbprint = await calculateJwkThumbprint(req.jwk)
  const existing = ctx.store.accountByThumbprint(thumbprint)
  if (existing) {
    if (existing.status !== 'valid') throw new AcmeProblem('unauthorized', 'this account key belongs to a deactivated account; create a new key', {status: 401})
    return {status: 200, body: accountJson(existing, req.urls), location: req.urls.account(existing.id)}
  }
  if (payload.onlyReturnExisting === true) throw new AcmeProblem('accountDoesNotExist', 'no account exists for this key (onlyReturnExisting was set)')
  const contact = checkContacts(payload.contact)
  let binding: Awaited<ReturnType<typeof verifyEab>> | undefined
  if (payload.externalAccountBinding !== undefined) {
    if (!ctx.eab) throw new AcmeProblem('unauthorized', 'this server has no External Account Binding key; drop externalAccountBinding or run `localcert env` to create one')
    binding = await verifyEab(payload.externalAccountBinding, req.jwk, req.url, ctx.eab)
  } else if (ctx.eabRequired) {
    throw new AcmeProblem('externalAccountRequired', 'this server requires External Account Binding: pass ACME_KID and ACME_HMAC_KEY from `localcert env` to your client (e.g. certbot --eab-kid/--eab-hmac-key, lego --eab --kid/--hmac)')
  }
  ctx.limits.takeAccount()
  const account: Account = {
    id: randomBytes(9).toString('base64url'),
    jwk: req.jwk,
    thumbprint,
    status: 'valid',
    contact,
    createdAt: new Date().toISOString(),
    ...(binding ? {externalAccountBinding: {protected: binding.protected, payload: binding.payload, signature: binding.signature}, eabKid: binding.kid} : {}),
  }
  ctx.store.saveAccount(account)
  ctx.emit({type: 'account', accountId: account.id, eabKid: account.eabKid})
  return {status: 201, body: accountJson(account, req.urls), location: req.urls.account(account.id)}
}

function ownAccount(req: SignedRequest, id: string): Account {
  if (!req.account || req.account.id !== id) throw new AcmeProblem('unauthorized', 'this request is signed by a different account than the one in the URL')
  return req.account
}

/** POST to the account URL: fetch (POST-as-GET or `{}`), update contacts, or deactivate (RFC 8555 §7.3.2, §7.3.6). */
export function updateAccount(req: SignedRequest, ctx: AcmeContext, id: string): Reply {
  const account = ownAccount(req, id)
  const payload = req.payload
  if (payload) {
    if (payload.status !== undefined && payload.status !== 'deactivated' && payload.status !== 'valid') throw new AcmeProblem('malformed', `an account can only be set to "deactivated", not ${JSON.stringify(payload.status)}`)
    const contact = payload.contact === undefined ? account.contact : checkContacts(payload.contact)
    const status = payload.status === 'deactivated' ? 'deactivated' : account.status
    if (contact !== account.contact || status !== account.status) {
      Object.assign(account, {contact, status})
      ctx.store.saveAccount(account)
      if (status === 'deactivated') ctx.limits.forget(account.id)
    }
  }
  return {status: 200, body: accountJson(account, req.urls), location: req.urls.account(account.id)}
}

/** POST-as-GET of the orders list (RFC 8555 §7.1.2.1): live orders, paged with Link rel="next". */
export function listOrders(req: SignedRequest, ctx: AcmeContext, id: string, cursor: number): Reply {
  const account = ownAccount(req, id)
  const ids = ctx.store.ordersOf(account.id).filter((orderId) => {
    const order = ctx.store.order(orderId)
    return order !== undefined && orderStatus(order) !== 'invalid'
  })
  const page = ids.slice(cursor, cursor + ORDERS_PAGE)
  const links = cursor + ORDERS_PAGE < ids.length ? [`<${req.urls.orders(account.id)}?cursor=${cursor + ORDERS_PAGE}>;rel="next"`] : []
  return {status: 200, body: {orders: page.map((orderId) => req.urls.order(orderId))}, links}
}

/** keyChange (RFC 8555 §7.3.5): the outer JWS by the old key, the inner by the new key over {account, oldKey}. */
export async function changeKey(req: SignedRequest, ctx: AcmeContext): Promise<Reply> {
  const account = req.account!
  if (!req.payload) throw new AcmeProblem('malformed', 'keyChange needs the inner JWS as its payload')
  const inner = parseJws(req.payload, 'keyChange inner JWS')
  if (!inner.header.jwk) throw new AcmeProblem('malformed', 'the keyChange inner JWS must carry the new key as "jwk"')
  if ('nonce' in inner.header) throw new AcmeProblem('malformed', 'the keyChange inner JWS must not carry a nonce')
  if (inner.header.url !== req.url) throw new AcmeProblem('malformed', 'the keyChange inner JWS "url" must equal the outer one')
  const newJwk = inner.header.jwk as JWK
  checkJwk(newJwk, inner.header.alg)
  const body = parsePayload(await verifyJws(inner, newJwk))
  if (!body || typeof body.account !== 'string' || typeof body.oldKey !== 'object' || body.oldKey === null) {
    throw new AcmeProblem('malformed', 'the keyChange inner payload must be {"account": <account URL>, "oldKey": <current JWK>}')
  }
  if (accountIdFromKid(body.account) !== account.id) throw new AcmeProblem('unauthorized', 'the keyChange "account" is not the account that signed the request')
  const oldThumbprint = await calculateJwkThumbprint(body.oldKey as JWK).catch(() => '')
  if (oldThumbprint !== account.thumbprint) throw new AcmeProblem('unauthorized', 'the keyChange "oldKey" is not the current account key')
  const thumbprint = await calculateJwkThumbprint(newJwk)
  const holder = ctx.store.accountByThumbprint(thumbprint)
  if (holder) {
    throw new AcmeProblem('malformed', 'the new key already belongs to an account', {status: 409, headers: {Location: req.urls.account(holder.id)}})
  }
  account.jwk = newJwk
  account.thumbprint = thumbprint
  ctx.store.saveAccount(account, oldThumbprint)
  return {status: 200, body: accountJson(account, req.urls), location: req.urls.account(account.id)}
}
