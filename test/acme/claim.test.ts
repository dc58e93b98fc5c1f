import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {startAcmeServer} from '../../src/acme/server.js'
import {tempDir} from '../support/env.js'
import {sourceProgram} from '../support/program.js'

describe('one ACME server per home', () => {
  it('takes over the claim of a server that was killed (its pid is gone), and removes its own on close', async () => {
    const home = tempDir('localcert-claim-')
    const claim = path.join(home, 'acme', 'server.json')
    mkdirSync(path.dirname(claim), {recursive: true})
    // pid 2^22+1 is above Linux's pid_max ceiling, so no process has it
    writeFileSync(claim, JSON.stringify({pid: 4_194_305, token: 'dead', startedAt: '2026-01-01T00:00:00Z'}))
    const server = await startAcmeServer({home, port: 0})
    expect(existsSync(claim)).toBe(true)
    await server.close()
    expect(existsSync(claim)).toBe(false)
  })

  it('refuses while another live process holds the claim, says which, and how to clear a stale one', async () => {
    const home = tempDir('localcert-claim-live-')
    const claim = path.join(home, 'acme', 'server.json')
    mkdirSync(path.dirname(claim), {recursive: true})
    writeFileSync(claim, JSON.stringify({pid: process.ppid, token: 'other', startedAt: '2026-01-01T00:00:00Z'}))
    await expect(startAcmeServer({home, port: 0})).rejects.toMatchObject({code: 'ACME_ALREADY_RUNNING', message: expect.stringContaining(`pid ${process.ppid}`), hint: expect.stringContaining(claim)})
    expect(existsSync(claim)).toBe(true)
  })
})

describe('one ACME server per home, under a race', () => {
  it('of 4 processes claiming one home at the same instant, exactly one wins, with or without a stale claim left by a killed server', async () => {
    const {spawn} = await import('node:child_process')
    // one program, told the home and the instant to go by its arguments
    const program = await sourceProgram(`import {claimAcmeState} from 'SRC/state/discovery.ts'
const [home, go] = process.argv.slice(2)
while (Date.now() < Number(go)) {}
try { await claimAcmeState(home); console.log('won'); setTimeout(() => {}, 300) } catch (error) { console.log(error.code) }`, path.join(tempDir('localcert-claim-program-'), 'claim.mjs'))
    const claimOnce = (home: string, go: number) => new Promise<string>((resolve) => {
      const child = spawn(process.execPath, [program, home, String(go)])
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()))
      child.on('exit', () => resolve(out.trim()))
    })
    for (const stale of [false, true]) {
      for (let round = 0; round < 3; round++) {
        const home = tempDir('localcert-claim-race-')
        if (stale) {
          mkdirSync(path.join(home, 'acme'), {recursive: true})
          writeFileSync(path.join(home, 'acme', 'server.json'), JSON.stringify({pid: 4_194_305, token: 'dead', startedAt: '2026-01-01T00:00:00Z'}))
        }
        const go = Date.now() + 400
        const outcomes = await Promise.all([0, 1, 2, 3].map(() => claimOnce(home, go)))
        expect(outcomes.sort(), `round ${round}${stale ? ' (stale claim)' : ''}`).toEqual(['ACME_ALREADY_RUNNING', 'ACME_ALREADY_RUNNING', 'ACME_ALREADY_RUNNING', 'won'])
      }
    }
  })
})
