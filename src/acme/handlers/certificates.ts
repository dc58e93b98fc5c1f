import type {AcmeContext, Reply} from '../context.js'
import {AcmeProblem} from '../problems.js'

const PEM_CHAIN = 'application/pem-certificate-chain'

/**
 * The certificate chain (RFC 8555 §7.4.2): leaf then intermediate, PEM, root omitted. There is one chain per
 * certificate (a single-key-type CA), so no rel="alternate" links. Served to POST-as-GET and, for curl, plain GET:
 * certificates are public.
 * @example await downloadCertificate(ctx, id) // {status: 200, body: '-----BEGIN CERTIFICATE-----…', contentType: PEM_CHAIN}
 */
export async function downloadCertificate(ctx: AcmeContext, id: string): Promise<Reply> {
  const record = ctx.store.certificate(id)
  const pem = record ? await ctx.store.chainPem(id) : undefined
  if (!record || !pem) throw new AcmeProblem('malformed', `certificate ${id} does not exist (or has expired)`, {status: 404})
  return {status: 200, body: pem, contentType: PEM_CHAIN}
}
