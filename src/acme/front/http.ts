import type {IncomingMessage, ServerResponse} from 'node:http'
import type {Reply} from '../context.js'
import {AcmeProblem} from '../problems.js'

/** A JWS with an RSA-8192 CSR is ~6 KiB; 64 KiB leaves room for anything legitimate. */
export const MAX_BODY_BYTES = 64 * 1024
/** Past this much discarded input the connection is cut instead of drained. */
const DRAIN_LIMIT = 16 * 1024 * 1024

/** True for `application/jose+json`, parameters such as `; charset=utf-8` tolerated (RFC 8555 §6.2, boulder#3603). */
export function isJoseJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/jose+json'
}

/**
 * Reads a request body up to `limit` bytes. A larger body is drained and discarded (so the client can read our
 * answer) and rejected with 413; past 16 MiB the socket is destroyed rather than read further.
 */
export function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    const chunks: Buffer[] = []
    let size = 0
    let tooBig = declared > limit
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > limit) tooBig = true
      if (!tooBig) chunks.push(chunk)
      else if (size > DRAIN_LIMIT) req.destroy()
    })
    req.on('end', () => {
      if (tooBig) reject(new AcmeProblem('malformed', `the request body is larger than ${limit} bytes`, {status: 413}))
      else resolve(Buffer.concat(chunks, size))
    })
    req.on('error', reject)
  })
}

export interface ResponseExtras {
  nonce: string
  /** The directory URL, linked as rel="index" from every other resource (RFC 8555 §7.1). */
  index?: string
  head?: boolean
}

function baseHeaders(extras: ResponseExtras, links: string[] = []): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {'Replay-Nonce': extras.nonce, 'Cache-Control': 'no-store'}
  const all = extras.index ? [`<${extras.index}>;rel="index"`, ...links] : links
  if (all.length) headers.Link = all
  return headers
}

/** Writes a handler's reply with the headers every ACME response carries. */
export function sendReply(res: ServerResponse, reply: Reply, extras: ResponseExtras): void {
  const headers = {...baseHeaders(extras, reply.links), ...reply.headers}
  if (reply.location) headers.Location = reply.location
  let body = ''
  if (reply.body !== undefined && reply.body !== '') {
    body = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
    headers['Content-Type'] = reply.contentType ?? 'application/json'
  }
  headers['Content-Length'] = String(Buffer.byteLength(body))
  res.writeHead(reply.status, headers)
  res.end(extras.head ? undefined : body)
}

/** Writes an RFC 7807 problem document with a fresh nonce (RFC 8555 §6.5: badNonce MUST carry one). */
export function sendProblem(res: ServerResponse, problem: AcmeProblem, extras: ResponseExtras): void {
  const body = JSON.stringify(problem.toDocument())
  const headers: Record<string, string | string[]> = {...baseHeaders(extras), ...problem.extras.headers, 'Content-Type': 'application/problem+json', 'Content-Length': String(Buffer.byteLength(body))}
  if (problem.status === 413) headers.Connection = 'close'
  res.writeHead(problem.status, headers)
  res.end(extras.head ? undefined : body)
}
