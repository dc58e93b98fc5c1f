import {existsSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {httpsOptions} from '../../src/api/dev-server.js'
import {issueCertificate} from '../../src/ca/issue.js'
import {inspectHome, removeEverything} from '../../src/trust/remove-all.js'
import {tempDir} from '../support/env.js'

describe('uninstall in a LOCALCERT_HOME that is not only ours', () => {
  it('deletes everything localcert created there (the dev-server cache with its keys too) and leaves the rest', async () => {
    const home = path.join(tempDir('localcert-shared-home-'), 'shared')
    await issueCertificate(['app.localhost'], {home})
    await httpsOptions(['app.localhost'], {home})
    writeFileSync(path.join(home, 'notes.txt'), 'mine\n')
    expect(readdirSync(home).sort()).toEqual(['ca', 'dev', 'issued.jsonl', 'notes.txt', 'state.lock'])
    const {root} = await inspectHome(home)
    const result = await removeEverything(home, root, {localcertHome: home, stores: ['runtimes'], dedicatedHome: false, force: false})
    expect(result.leftInPlace).toEqual(['notes.txt'])
    expect(readdirSync(home)).toEqual(['notes.txt'])
    expect(existsSync(path.join(home, 'dev'))).toBe(false)
  })
})
