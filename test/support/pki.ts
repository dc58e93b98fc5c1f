import {mkdtempSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import type {Authority} from '../../src/ca/authority.js'
import {sh} from './env.js'

/** Writes root, intermediate and a leaf chain to a temp dir and runs `openssl verify` on them. */
export async function opensslVerify(ca: Authority, chainPem: string, extra: string[] = []): Promise<{ok: boolean; output: string}> {
  const dir = mkdtempSync(path.join(tmpdir(), 'localcert-verify-'))
  const root = path.join(dir, 'root.pem')
  const inter = path.join(dir, 'inter.pem')
  const leaf = path.join(dir, 'leaf.pem')
  writeFileSync(root, ca.rootPem)
  writeFileSync(inter, ca.intermediatePem)
  writeFileSync(leaf, chainPem.split(/(?<=-----END CERTIFICATE-----\n)/)[0]!)
  const result = await sh('openssl', ['verify', '-x509_strict', ...extra, '-CAfile', root, '-untrusted', inter, leaf])
  const output = result.stdout + result.stderr
  return {ok: result.code === 0 && /: OK/.test(output), output}
}
