import {existsSync, mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {startAcmeServer} from '../../src/acme/server.js'
import {tempDir} from '../support/env.js'

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
