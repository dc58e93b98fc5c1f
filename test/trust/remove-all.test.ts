import {existsSync, mkdirSync, readdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {httpsOptions} from '../../src/api/dev-server.js'
import {issueCertificate} from '../../src/ca/issue.js'
import {inspectHome, removeEverything} from '../../src/trust/remove-all.js'
import {tempDir} from '../support/env.js'

describe('uninstall in a LOCALCERT_HOME that is not only ours', () => {
  it('deletes everything localcert created there (the dev-server cache with its keys too) and leaves the rest, in dev/ too', async () => {
    const home = path.join(tempDir('localcert-shared-home-'), 'shared')
    await issueCertificate(['app.localhost'], {home})
    await httpsOptions(['app.localhost'], {home})
    writeFileSync(path.join(home, 'notes.txt'), 'mine\n')
    expect(readdirSync(home).sort()).toEqual(['audit.jsonl', 'audit.jsonl.head', 'ca', 'dev', 'issued.jsonl', 'notes.txt', 'state.lock'])
    const {root} = await inspectHome(home)
    const result = await removeEverything(home, root, {localcertHome: home, stores: ['runtimes'], dedicatedHome: false, force: false})
    expect(result.leftInPlace).toEqual(['notes.txt'])
    expect(readdirSync(home)).toEqual(['notes.txt'])
    expect(existsSync(path.join(home, 'dev'))).toBe(false)
  })

  it('leaves a dev/ folder of the user\'s own: only the cache files localcert wrote there go', async () => {
    const home = path.join(tempDir('localcert-shared-dev-'), 'project')
    await httpsOptions(['app.localhost'], {home})
    mkdirSync(path.join(home, 'dev', 'scripts'))
    writeFileSync(path.join(home, 'dev', 'notes.json'), '{}\n')
    const {root} = await inspectHome(home)
    const result = await removeEverything(home, root, {localcertHome: home, stores: ['runtimes'], dedicatedHome: false, force: false})
    expect(result.leftInPlace.sort()).toEqual(['dev/notes.json', 'dev/scripts'])
    expect(readdirSync(path.join(home, 'dev')).sort()).toEqual(['notes.json', 'scripts'])
    expect(readdirSync(home)).toEqual(['dev'])
  })
})
