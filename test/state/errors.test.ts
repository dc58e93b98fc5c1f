import {chmodSync, mkdirSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {writeError} from '../../src/state/files.js'
import {recordIssued} from '../../src/state/inventory.js'
import {sh, tempDir} from '../support/env.js'
import {sourceProgram} from '../support/program.js'
import {runsAsRoot} from '../trust/support/real.js'

const entry = {serial: '01', names: ['a.localhost'], fingerprint: 'f', notBefore: '', notAfter: '', issuedAt: '', source: 'cli' as const, keyType: 'ecdsa'}

/** Runs a program importing our sources (SRC/…, bundled with esbuild first) as the unprivileged user `nobody` and returns what it printed. */
async function asNobody(code: string): Promise<{code?: string; message?: string; hint?: string}> {
  const dir = tempDir('localcert-nobody-')
  chmodSync(dir, 0o755)
  const script = path.join(dir, 'probe.mjs')
  await sourceProgram(code, script)
  const result = await sh('runuser', ['-u', 'nobody', '--', process.execPath, script])
  expect(result.stderr).toBe('')
  return JSON.parse(result.stdout)
}

describe('errors say what happened', () => {
  it('a full disk is DISK_FULL with a hint about space, not "check that the directory exists" (/dev/full)', async () => {
    await expect(recordIssued('/dev/full', entry)).rejects.toMatchObject({code: 'DISK_FULL', message: expect.stringContaining('the disk is full'), hint: expect.stringContaining('df -h')})
  })

  it('maps each errno of a failed write to its own code, every one with a hint', () => {
    const of = (code: string) => writeError('/x/y', Object.assign(new Error(code), {code}))
    expect(of('ENOSPC')).toMatchObject({code: 'DISK_FULL'})
    expect(of('EDQUOT')).toMatchObject({code: 'DISK_FULL', message: expect.stringContaining('quota')})
    expect(of('EACCES')).toMatchObject({code: 'PERMISSION_DENIED', message: expect.stringContaining('permission denied')})
    expect(of('EROFS')).toMatchObject({code: 'PERMISSION_DENIED', message: expect.stringContaining('read-only')})
    expect(of('EIO')).toMatchObject({code: 'WRITE_FAILED'})
    for (const code of ['ENOSPC', 'EDQUOT', 'EACCES', 'EROFS', 'EIO']) expect(of(code).hint).toMatch(/\w/)
  })

  describe.skipIf(!runsAsRoot('tests that run as the user nobody'))('as another user (runuser -u nobody)', () => {
    it('writing into a directory nobody may write is PERMISSION_DENIED', async () => {
      const dir = tempDir('localcert-readonly-')
      mkdirSync(path.join(dir, 'home'), {mode: 0o755})
      const target = path.join(dir, 'home', 'file.json')
      const seen = await asNobody(`import {writeFileSafely} from 'SRC/state/files.ts'
try { await writeFileSafely(${JSON.stringify(target)}, '{}') ; console.log('{}') } catch (error) { console.log(JSON.stringify({code: error.code, message: error.message, hint: error.hint})) }`)
      expect(seen).toMatchObject({code: 'PERMISSION_DENIED', hint: expect.stringContaining('ls -ld')})
    })

    it('listening on a privileged port is PERMISSION_DENIED, not PORT_IN_USE', async () => {
      const home = tempDir('localcert-privport-')
      chmodSync(home, 0o777)
      const seen = await asNobody(`import {startAcmeServer} from 'SRC/index.ts'
try { const server = await startAcmeServer({home: ${JSON.stringify(path.join(home, 'lc'))}, port: 443, announce: false}); await server.close(); console.log('{}') } catch (error) { console.log(JSON.stringify({code: error.code, message: error.message, hint: error.hint})) }`)
      expect(seen).toMatchObject({code: 'PERMISSION_DENIED', message: expect.stringContaining('443'), hint: expect.stringContaining('1023')})
    })
  })
})
