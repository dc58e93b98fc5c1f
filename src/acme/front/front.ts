import type {IncomingMessage, ServerResponse} from 'node:http'
import type {JWK} from 'jose'
import {hostOfHeader} from '../../lib/host.js'
import {accountIdFromKid, changeKey, listOrders, newAccount, updateAccount} from '../handlers/accounts.js'
import {ARI_RETRY_AFTER_S, renewalInfo} from '../handlers/ari.js'
import {downloadCertificate} from '../handlers/certificates.js'
import type {AcmeContext, Reply, SignedRequest} from '../context.js'
import {directoryFor, PATHS, urlsFor} from './directory.js'
import {finalizeOrder} from '../handlers/finalize.js'
import {isJoseJson, MAX_BODY_BYTES, readBody, sendProblem, sendReply} from './http.js'
import {checkJwk, parseJws, parsePayload, verifyJws} from './jws.js'
import {NonceStore} from './nonces.js'
import {getOrder, newOrder, postAuthz, postChallenge} from '../handlers/orders.js'
import {AcmeProblem, isAcmeProblem} from '../problems.js'
import {revokeCertificate} from '../handlers/revocation.js'

/** Which key a POST must be signed with (RFC 8555 §6.2): `jwk` only for newAccount, either for revokeCert. */
type KeyRule = 'jwk' | 'kid' | 'either'

interface Route {
  name: string
  key: KeyRule
  /** Plain GET/HEAD allowed (directory, nonces, ARI, certificates). */
  get?: boolean
  post?: boolean
  params: string[]
}

const FIXED: Record<string, Omit<Route, 'params'>> = {
  [PATHS.directory]: {name: 'directory', key: 'kid', get: true, post: false},
  [PATHS.newNonce]: {name: 'newNonce', key: 'kid', get: true, post: false},
  [PATHS.newAccount]: {name: 'newAccount', key: 'jwk', post: true},
  [PATHS.newOrder]: {name: 'newOrder', key: 'kid', post: true},
  [PATHS.revokeCert]: {name: 'revokeCert', key: 'either', post: true},
  [PATHS.keyChange]: {name: 'keyChange', key: 'kid', post: true},
}

const PREFIXED: Array<[prefix: string, name: string, arity: number[], get: boolean]> = [
  [PATHS.account, 'account', [1, 2], false],
  [PATHS.order, 'order', [1, 2], false],
  [PATHS.authz, 'authz', [2], false],
  [PATHS.challenge, 'challenge', [3], false],
  [PATHS.certificate, 'certificate', [1], true],
  [PATHS.renewalInfo + '/', 'renewalInfo', [1], true],
]

function matchRoute(pathname: string): Route | undefined {
  const fixed = FIXED[pathname]
  if (fixed) return {...fixed, params: []}
  for (const [prefix, name, arity, get] of PREFIXED) {
    if (!pathname.startsWith(prefix)) continue
    const params = pathname.slice(prefix.length).split('/')
    if (!arity.includes(params.length) || params.some((param) => !/^[A-Za-z0-9_.-]+$/.test(param))) return undefined
    if (name === 'renewalInfo') return {name, key: 'kid', get: true, post: false, params}
    return {name, key: 'kid', get, post: true, params}
  }
  return undefined
}

export interface FrontOptions {
  /** Host header values accepted (lower case, without port); undefined accepts any (a non-loopback bind). */
  allowedHosts?: Set<string>
  maxBodyBytes?: number
}

async function authenticate(req: IncomingMessage, ctx: AcmeContext, route: Route, origin: string, maxBody: number): Promise<SignedRequest> {
  if (!isJoseJson(req.headers['content-type'])) throw new AcmeProblem('malformed', 'POST bodies must be Content-Type: application/jose+json', {status: 415})
  const raw = await readBody(req, maxBody)
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch {
    throw new AcmeProblem('malformed', 'the request body is not valid JSON')
  }
  const jws = parseJws(body)
  const url = origin + req.url
  if (jws.header.url !== url) throw new AcmeProblem('unauthorized', `the JWS "url" ${JSON.stringify(jws.header.url)} is not the URL this request was sent to (${url})`)
  const sent = jws.header.jwk ? 'jwk' : 'kid'
  if (route.key !== 'either' && route.key !== sent) {
    throw new AcmeProblem('malformed', route.key === 'jwk' ? 'newAccount must be signed with a "jwk" header' : 'this request must be signed with the account URL as "kid", not a "jwk"')
  }
  let key: JWK
  let account: SignedRequest['account']
  if (jws.header.jwk) {
    key = jws.header.jwk
    checkJwk(key, jws.header.alg)
  } else {
    const id = accountIdFromKid(jws.header.kid!)
    account = id === undefined ? undefined : ctx.store.account(id)
    if (!account) throw new AcmeProblem('accountDoesNotExist', `no account ${JSON.stringify(jws.header.kid)} on this server; register again with newAccount`)
    if (account.status !== 'valid') throw new AcmeProblem('unauthorized', 'this account is deactivated', {status: 401})
    key = account.jwk
  }
  const payloadText = await verifyJws(jws, key)
  const nonce = jws.header.nonce
  if (nonce === undefined) throw new AcmeProblem('badNonce', 'the JWS has no "nonce"; get one from newNonce')
  if (typeof nonce !== 'string' || !/^[A-Za-z0-9_-]+$/.test(nonce)) throw new AcmeProblem('malformed', 'the JWS "nonce" must be base64url')
  if (!NonceStore.wellFormed(nonce) || !ctx.nonces.consume(nonce)) throw new AcmeProblem('badNonce', 'the nonce is unknown, expired or already used; retry with the Replay-Nonce of this response')
  return {url, urls: urlsFor(origin), origin, header: jws.header, payload: parsePayload(payloadText), ...(account ? {account} : {jwk: key})}
}

async function dispatch(route: Route, signed: SignedRequest, ctx: AcmeContext, query: URLSearchParams): Promise<Reply> {
  const [a = '', b = '', c = ''] = route.params
  switch (route.name) {
    case 'newAccount':
      return newAccount(signed, ctx)
    case 'newOrder':
      return newOrder(signed, ctx)
    case 'revokeCert':
      return revokeCertificate(signed, ctx)
    case 'keyChange':
      return changeKey(signed, ctx)
    case 'account':
      if (b === 'orders') return listOrders(signed, ctx, a, Math.max(0, Number(query.get('cursor')) || 0))
      if (b) break
      return updateAccount(signed, ctx, a)
    case 'order':
      if (b === 'finalize') return finalizeOrder(signed, ctx, a)
      if (b) break
      return getOrder(signed, ctx, a)
    case 'authz':
      return postAuthz(signed, ctx, a, b)
    case 'challenge':
      return postChallenge(signed, ctx, a, b, c)
    case 'certificate':
      return downloadCertificate(ctx, a)
  }
  throw new AcmeProblem('malformed', 'no such resource', {status: 404})
}

async function handleGet(route: Route, ctx: AcmeContext, origin: string, method: string): Promise<Reply> {
  if (route.name === 'directory') return {status: 200, body: directoryFor(origin, ctx.eabRequired)}
  if (route.name === 'newNonce') return {status: method === 'HEAD' ? 200 : 204}
  if (route.name === 'renewalInfo') return {status: 200, body: await renewalInfo(route.params[0]!, ctx.store, ctx.ca), headers: {'Retry-After': String(ARI_RETRY_AFTER_S)}}
  return downloadCertificate(ctx, route.params[0]!)
}

/**
 * The web front end (pebble's "wfe"): Host allowlist, routing, methods, Content-Type, body limits, JWS and nonce
 * checks, then the handler. Every response, errors included, carries a fresh Replay-Nonce; nothing a client sends
 * can crash it — unexpected failures become serverInternal problems and an `error` event.
 * @example https.createServer(tlsOptions, createFront(ctx, {allowedHosts: new Set(['localhost'])}))
 */
export function createFront(ctx: AcmeContext, options: FrontOptions = {}) {
  const maxBody = options.maxBodyBytes ?? MAX_BODY_BYTES
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = req.method ?? 'GET'
    const host = (req.headers.host ?? '').toLowerCase()
    const origin = `https://${host}`
    const [pathname = '/', search = ''] = (req.url ?? '/').split('?', 2)
    const route = matchRoute(pathname)
    const extras = {nonce: ctx.nonces.issue(), index: route?.name === 'directory' ? undefined : origin + PATHS.directory, head: method === 'HEAD'}
    try {
      if (!host || (options.allowedHosts && !options.allowedHosts.has(hostOfHeader(host)))) {
        throw new AcmeProblem('malformed', `this ACME server answers only for ${[...(options.allowedHosts ?? [])].join(', ')}, not Host ${JSON.stringify(host)}`, {status: 421})
      }
      if (!route) throw new AcmeProblem('malformed', `no such resource: ${pathname}`, {status: 404})
      const allow = [...(route.get ? ['GET', 'HEAD'] : []), ...(route.post ? ['POST'] : [])].join(', ')
      if ((method === 'GET' || method === 'HEAD') && route.get) {
        req.resume()
        await ctx.ca.refresh()
        sendReply(res, await handleGet(route, ctx, origin, method), extras)
      } else if (method === 'POST' && route.post) {
        const signed = await authenticate(req, ctx, route, origin, maxBody)
        // the one place that notices a CA changed by another process (rotation, a wider policy): every handler sees it
        await ctx.ca.refresh()
        sendReply(res, await dispatch(route, signed, ctx, new URLSearchParams(search)), extras)
      } else {
        req.resume()
        throw new AcmeProblem('malformed', `${method} is not allowed on ${pathname}; use ${allow}${route.post ? ' (POST-as-GET with an empty payload to read it)' : ''}`, {status: 405, headers: {Allow: allow}})
      }
    } catch (error) {
      if (!req.complete) req.resume()
      if (res.headersSent) {
        res.destroy()
        return
      }
      if (isAcmeProblem(error)) return sendProblem(res, error, extras)
      ctx.emit({type: 'error', message: (error as Error).message, stack: (error as Error).stack})
      sendProblem(res, new AcmeProblem('serverInternal', 'the server failed unexpectedly; see its log'), extras)
    }
  }
}
