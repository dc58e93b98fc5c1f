import {writeFileSync} from 'node:fs'
import path from 'node:path'
import {pemBlocks} from '../../src/lib/pem.js'
import {sh, tempDir} from './env.js'

/** openssl's verdict: `ok` is exit 0 with `<leafFile>: OK` on stdout; `output` is stdout and stderr together. */
export interface OpensslVerdict {
  ok: boolean
  code: number
  stdout: string
  stderr: string
  output: string
  leafFile: string
}

/**
 * `openssl verify [args] -CAfile root -untrusted intermediates leaf` on a PEM chain (leaf first); the intermediates are `ca.intermediatePem` when given, else the chain's other blocks.
 * @example expect((await opensslVerify(leaf.chainPem, authority, ['-x509_strict', '-purpose', 'sslserver'])).ok).toBe(true)
 */
export async function opensslVerify(chainPem: string, ca: {rootPem: string; intermediatePem?: string}, args: string[] = []): Promise<OpensslVerdict> {
  const dir = tempDir('localcert-verify-')
  const [leaf, ...rest] = pemBlocks(chainPem)
  const intermediates = ca.intermediatePem ?? rest.map((block) => `${block}\n`).join('')
  const files = {root: path.join(dir, 'root.pem'), untrusted: path.join(dir, 'intermediates.pem'), leaf: path.join(dir, 'leaf.pem')}
  writeFileSync(files.root, ca.rootPem)
  writeFileSync(files.untrusted, intermediates)
  writeFileSync(files.leaf, `${leaf ?? ''}\n`)
  const result = await sh('openssl', ['verify', ...args, '-CAfile', files.root, ...(intermediates ? ['-untrusted', files.untrusted] : []), files.leaf])
  const output = result.stdout + result.stderr
  return {ok: result.code === 0 && result.stdout.includes(`${files.leaf}: OK`), code: result.code, stdout: result.stdout, stderr: result.stderr, output, leafFile: files.leaf}
}
