import {mkdirSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cli, sh} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {chromiumDumpDom} from './support/clients.js'
import {makeCa, startHttps, type TestCa} from './support/real.js'

// Real headless Chromium (Debian's package) with a temporary $HOME: its NSS database decides whether the page loads.

describe.skipIf(!hasTools('Chromium trust tests', 'chromium', 'certutil', 'timeout'))('headless Chromium trusts the root through NSS', () => {
  let ca: TestCa
  let server: Awaited<ReturnType<typeof startHttps>>
  const env = () => ({HOME: ca.userHome, XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''})
  const trust = (action: string) => cli(['trust', action, '--stores', 'nss', '--json'], {home: ca.home, env: env()})

  beforeAll(async () => {
    ca = await makeCa('chromium')
    server = await startHttps(ca, 'hello from a localcert server')
    const nssdb = path.join(ca.userHome, '.pki', 'nssdb')
    mkdirSync(nssdb, {recursive: true})
    const created = await sh('certutil', ['-N', '--empty-password', '-d', `sql:${nssdb}`])
    expect(created.code, created.stderr).toBe(0)
  })

  afterAll(async () => {
    await server?.close()
  })

  it('shows a certificate error before install', async () => {
    const page = await chromiumDumpDom(server.port, ca.userHome)
    expect(page.stdout).not.toContain('hello from a localcert server')
    expect(page.stderr).toContain('ERR_CERT_AUTHORITY_INVALID')
  })

  it('loads https://app.localhost:PORT/ after `trust install --stores nss`, and shows a certificate error again after uninstall', async () => {
    const installed = await trust('install')
    expect(installed.code, installed.stderr).toBe(0)
    expect(JSON.parse(installed.stdout).stores).toContainEqual(expect.objectContaining({location: expect.stringContaining(path.join(ca.userHome, '.pki', 'nssdb')), status: 'installed'}))
    const loaded = await chromiumDumpDom(server.port, ca.userHome)
    expect(loaded.stdout, loaded.stderr).toContain('hello from a localcert server')
    expect(loaded.stderr).not.toContain('ERR_CERT')

    const removed = await trust('uninstall')
    expect(removed.code, removed.stderr).toBe(0)
    expect(JSON.parse(removed.stdout).stores).toContainEqual(expect.objectContaining({status: 'removed'}))
    const refused = await chromiumDumpDom(server.port, ca.userHome)
    expect(refused.stdout).not.toContain('hello from a localcert server')
    expect(refused.stderr).toContain('ERR_CERT_AUTHORITY_INVALID')
  })
})
