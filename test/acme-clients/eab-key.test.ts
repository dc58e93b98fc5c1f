import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ensureEab} from '../../src/state/discovery.js'
import {tempDir} from '../support/env.js'

// certbot (argparse) and lego (urfave/cli) read `--eab-hmac-key -Xyz…` as an unknown option; a plain base64url key
// starts with '-' once in 64, which made one certbot run in 64 fail with a usage error.
describe('EAB credentials on a command line', () => {
  // created at collection time: vitest runs afterAll hooks registered there, not ones added from inside a test
  const root = tempDir('localcert-eab-keys-')

  it('never hands out an HMAC key that starts with "-" (300 fresh homes: a regression fails this ~99% of the time)', async () => {
    const keys = await Promise.all(Array.from({length: 300}, (_, index) => ensureEab(path.join(root, String(index)))))
    expect(keys.filter(({hmacKey}) => hmacKey.startsWith('-'))).toEqual([])
    for (const {hmacKey} of keys) expect(Buffer.from(hmacKey, 'base64url')).toHaveLength(48)
  })
})
