import {createPrivateKey, X509Certificate} from 'node:crypto'
import {readFileSync} from 'node:fs'
import {expect} from 'vitest'
import {pemBlocks} from '../../src/lib/pem.js'
import {opensslVerify} from '../support/pki.js'

/**
 * Proves a client's files are a usable chain: `openssl verify -CAfile root -untrusted intermediate leaf` succeeds,
 * the leaf's SANs are exactly `sans`, and the private key the client kept matches the leaf. Returns the leaf.
 */
export async function expectVerifiedChain(chainFile: string, keyFile: string, rootFile: string, sans: string[]): Promise<X509Certificate> {
  const chainPem = readFileSync(chainFile, 'utf8')
  const blocks = pemBlocks(chainPem)
  expect(blocks).toHaveLength(2)
  const verified = await opensslVerify(chainPem, {rootPem: readFileSync(rootFile, 'utf8')})
  expect(verified.stderr).toBe('')
  expect(verified.stdout.trim()).toBe(`${verified.leafFile}: OK`)
  const leaf = new X509Certificate(blocks[0]!)
  expect(leaf.subjectAltName!.split(', ').sort()).toEqual([...sans].sort())
  expect(leaf.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))).toBe(true)
  return leaf
}
