import acme from 'acme-client'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {cli, sh, tempDir} from '../support/env.js'
import {serveEndpoint} from '../support/serve.js'
import {hasTools} from '../support/tools.js'
import {trustForAcmeClient} from './support.js'

describe.skipIf(!hasTools('localcert serve', 'curl', 'ss'))('localcert serve', () => {
  it('prints its settings as JSON, answers over HTTPS on loopback only, announces itself and stops cleanly on SIGTERM', async () => {
    const home = tempDir('localcert-serve-')
    const server = await serveEndpoint(home)
    const summary = JSON.parse(server.stdout())
    expect(summary).toMatchObject({directoryUrl: expect.stringMatching(/^https:\/\/localhost:\d+\/directory$/), eabRequired: true, listening: [`127.0.0.1:${summary.port}`, `[::1]:${summary.port}`]})
    expect(summary.env).toMatchObject({ACME_DIRECTORY_URL: summary.directoryUrl, ACME_KID: expect.any(String), NODE_EXTRA_CA_CERTS: path.join(home, 'trust', 'roots.pem'), REQUESTS_CA_BUNDLE: path.join(home, 'trust', 'bundle.pem'), SSL_CERT_FILE: path.join(home, 'trust', 'bundle.pem'), LEGO_CA_CERTIFICATES: path.join(home, 'trust', 'roots.pem')})
    // the bundle is the system's plus our root, so a client given it still reaches public sites
    expect(readFileSync(summary.env.REQUESTS_CA_BUNDLE, 'utf8')).toContain(readFileSync(summary.rootFile, 'utf8').trim())
    expect(readFileSync(summary.env.REQUESTS_CA_BUNDLE, 'utf8').match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(10)

    // HTTPS with our root, and nothing in plain HTTP
    const directory = await sh('curl', ['-sS', '--cacert', summary.rootFile, summary.directoryUrl])
    expect(JSON.parse(directory.stdout).meta.externalAccountRequired).toBe(true)
    expect((await sh('curl', ['-sS', `http://127.0.0.1:${summary.port}/directory`])).code).not.toBe(0)
    // listening sockets: loopback only
    const sockets = (await sh('ss', ['-Hltn', `sport = :${summary.port}`])).stdout.trim().split('\n').map((line) => line.trim().split(/\s+/)[3])
    expect(sockets.sort()).toEqual([`127.0.0.1:${summary.port}`, `[::1]:${summary.port}`])

    // the discovery contract `localcert env` reads
    const endpoint = JSON.parse(readFileSync(path.join(home, 'acme', 'endpoint.json'), 'utf8'))
    expect(endpoint).toMatchObject({directoryUrl: summary.directoryUrl, port: summary.port, pid: server.pid})
    // the HMAC key is a secret: not in the JSON either, which names the 0600 file that holds it
    expect(summary.eabFile).toBe(path.join(home, 'acme', 'eab.json'))
    const eab = JSON.parse(readFileSync(summary.eabFile, 'utf8'))
    expect(eab).toEqual({kid: summary.env.ACME_KID, hmacKey: expect.stringMatching(/^[A-Za-z0-9_-]{64}$/)})
    expect(summary.env).not.toHaveProperty('ACME_HMAC_KEY')
    expect(server.stdout()).not.toContain(eab.hmacKey)

    // a second server on the same state is refused with a clear message
    const second = await cli(['serve', '--port', '0'], {home})
    expect(second.code).toBe(1)
    expect(second.stderr).toMatch(/already running at https:\/\/localhost:\d+\/directory/)

    expect(await server.stop('SIGTERM')).toBe(0)
    expect(existsSync(path.join(home, 'acme', 'endpoint.json'))).toBe(false)
  })

  it('prints the directory URL, the variables and how to stop, and exits 0 on SIGINT', async () => {
    const home = tempDir('localcert-serve-human-')
    const server = await serveEndpoint(home, {args: ['--port', '0'], ready: (out) => out.includes('Ctrl+C')})
    const text = server.stdout()
    expect(text).toMatch(/^localcert ACME server: https:\/\/localhost:\d+\/directory$/m)
    for (const name of ['ACME_DIRECTORY_URL', 'ACME_KID', 'NODE_EXTRA_CA_CERTS', 'REQUESTS_CA_BUNDLE', 'LEGO_CA_CERTIFICATES']) expect(text).toMatch(new RegExp(`^  export ${name}='\\S+'$`, 'm'))
    // the HMAC key is a secret: the line that sets it reads its 0600 file, so the key is never written out
    const eab = JSON.parse(readFileSync(path.join(home, 'acme', 'eab.json'), 'utf8'))
    expect(text).not.toContain(eab.hmacKey)
    expect(text).toContain(`  export ACME_HMAC_KEY="$(cat '${path.join(home, 'acme', 'eab-hmac.key')}')"`)
    expect(server.stderr()).toMatch(/Created a new local CA/)
    expect(server.stderr()).not.toContain(eab.hmacKey)
    expect(await server.stop('SIGINT')).toBe(0)
  })

  it('run as the login service runs it (`serve --port N`, output into a log, not a terminal): the HMAC key is in neither stdout nor stderr, while accounts and issuance are logged', async () => {
    const home = tempDir('localcert-serve-log-')
    const server = await serveEndpoint(home, {args: ['--port', '0'], ready: (out) => out.includes('Ctrl+C')})
    const {kid, hmacKey} = JSON.parse(readFileSync(path.join(home, 'acme', 'eab.json'), 'utf8'))
    const directoryUrl = server.stdout().match(/^localcert ACME server: (\S+)$/m)![1]!
    // a client registers with the key and gets a certificate, so the log has lines about both
    trustForAcmeClient(readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8'))
    const client = new acme.Client({directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid, hmacKey}})
    const [, csr] = await acme.crypto.createCsr({commonName: 'log.localhost', altNames: ['log.localhost']}, await acme.crypto.createPrivateEcdsaKey())
    await client.auto({csr, termsOfServiceAgreed: true, challengeCreateFn: async () => undefined, challengeRemoveFn: async () => undefined})
    expect(await server.stop('SIGTERM')).toBe(0)
    for (let poll = 0; !server.stderr().includes('SIGTERM: stopping'); poll++) {
      if (poll === 500) throw new Error(`serve never logged its stop: ${server.stderr()}`)
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    expect(server.stderr()).toMatch(new RegExp(`new account \\S+ \\(EAB ${kid}\\)`))
    expect(server.stderr()).toMatch(/issued log\.localhost \(serial [0-9a-f]+/)
    expect(server.stdout()).toMatch(/export ACME_HMAC_KEY="\$\(cat '[^']+eab-hmac\.key'\)"/)
    expect(server.stdout()).not.toContain(hmacKey)
    expect(server.stderr()).not.toContain(hmacKey)
  })

  it('--quiet prints only the URL (no credentials); --no-eab advertises open registration', async () => {
    const home = tempDir('localcert-serve-quiet-')
    const server = await serveEndpoint(home, {args: ['--port', '0', '--quiet', '--no-eab'], ready: (out) => out.includes('\n')})
    expect(server.stdout().trim()).toMatch(/^https:\/\/localhost:\d+\/directory$/)
    const directory = await sh('curl', ['-sS', '--cacert', path.join(home, 'ca', 'root.pem'), server.stdout().trim()])
    expect(JSON.parse(directory.stdout).meta.externalAccountRequired).toBe(false)
    expect(await server.stop('SIGTERM')).toBe(0)
  })

  it('explains a busy port', async () => {
    const home = tempDir('localcert-serve-port-')
    const server = await serveEndpoint(home)
    const {port} = JSON.parse(server.stdout())
    const busy = await cli(['serve', '--port', String(port)], {home: tempDir('localcert-serve-port2-')})
    expect(busy.code).toBe(1)
    expect(busy.stderr).toMatch(new RegExp(`port ${port} is already in use[\\s\\S]*--port`))
    await server.stop('SIGTERM')
  })
})
