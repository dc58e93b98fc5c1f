import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {cli, tempDir} from '../support/env.js'
import {opensslVerify} from '../support/pki.js'
import {hasTools} from '../support/tools.js'

describe.skipIf(!hasTools('localcert rotate', 'openssl'))('localcert rotate', () => {
  it('replaces the intermediate: new leaves chain to it, old leaves still verify with the old one, the old key is gone, the root stays', async () => {
    const home = path.join(tempDir(), 'home')
    const work = tempDir()
    expect((await cli(['setup', '--no-trust'], {home})).code).toBe(0)
    const before = JSON.parse((await cli(['status', '--json'], {home})).stdout)
    expect((await cli(['cert', '--cert-file', 'old.pem', '--key-file', 'old-key.pem', 'old.localhost'], {home, cwd: work})).code).toBe(0)
    const oldMeta = JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8'))
    const oldIntermediate = path.join(home, 'ca', `intermediate-${oldMeta.intermediate.id}.pem`)
    const oldKey = path.join(home, 'ca', `intermediate-${oldMeta.intermediate.id}-key.pem`)
    expect(existsSync(oldKey)).toBe(true)

    const rotated = await cli(['rotate', '--json'], {home})
    expect(rotated.code, rotated.stderr).toBe(0)
    const summary = JSON.parse(rotated.stdout)
    expect(summary.previous).toBe(oldMeta.intermediate.fingerprint)
    expect(summary.intermediate.fingerprint).not.toBe(oldMeta.intermediate.fingerprint)
    expect(summary.root).toBe(oldMeta.root.fingerprint)
    expect(existsSync(oldKey)).toBe(false)

    expect((await cli(['cert', '--cert-file', 'new.pem', '--key-file', 'new-key.pem', 'new.localhost'], {home, cwd: work})).code).toBe(0)
    const newMeta = JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8'))
    const newIntermediate = path.join(home, 'ca', `intermediate-${newMeta.intermediate.id}.pem`)
    const root = path.join(home, 'ca', 'root.pem')
    // each leaf alone (first PEM block of its file), checked against each intermediate
    const verify = async (name: string, intermediate: string) => (await opensslVerify(readFileSync(path.join(work, `${name}.pem`), 'utf8'), {rootPem: readFileSync(root, 'utf8'), intermediatePem: readFileSync(intermediate, 'utf8')}, ['-x509_strict', '-purpose', 'sslserver'])).ok
    expect(await verify('new', newIntermediate)).toBe(true)
    expect(await verify('new', oldIntermediate)).toBe(false)
    expect(await verify('old', oldIntermediate)).toBe(true)
    expect(readFileSync(path.join(work, 'new.pem'), 'utf8')).toContain(readFileSync(newIntermediate, 'utf8').trim())
    const after = JSON.parse((await cli(['status', '--json'], {home})).stdout)
    expect(after.root.fingerprint).toBe(before.root.fingerprint)
    expect(after.intermediate.fingerprint).toBe(summary.intermediate.fingerprint)
  })

  it('says what to do when there is no CA, and creates none', async () => {
    const home = path.join(tempDir(), 'none')
    const result = await cli(['rotate'], {home})
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/there is no CA in .* to rotate\n\s+→ run `localcert setup` first/)
    expect(existsSync(path.join(home, 'ca'))).toBe(false)
  })
})
