import {existsSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {fetchTrusting, startDevServer} from '../support/dev-server.js'
import {sh, tempDir} from '../support/env.js'
import {freePort} from '../support/net.js'
import {FRAMEWORKS, scratchProject} from '../support/project.js'
import {readmeRecipe} from '../support/recipes.js'
import {caPaths} from '../../src/state/paths.js'
import {issueCertificate} from '../../src/ca/issue.js'

/** The `ws` client from the fixture project (Node 20 has no WebSocket global), typed as far as the test uses it. */
interface WsClient {
  on(event: 'message', listener: (data: unknown) => void): void
  close(): void
}
const WebSocket = createRequire(path.join(FRAMEWORKS, 'package.json'))('ws') as new (url: string, protocol: string, options: {ca: string}) => WsClient

/** The three Vite majors the plugin supports, as installed in the fixture project (vite6/vite7 are npm aliases). */
const VITES = [
  ['Vite 8', 'vite'],
  ['Vite 7', 'vite7'],
  ['Vite 6', 'vite6'],
] as const

const PAGE = '<!doctype html><html><body><h1>served by vite</h1><script type="module" src="/main.js"></script></body></html>\n'

/** A project with Vite `pkg` installed as `vite` (what a user of that major has), the page and its script. */
async function viteProject(pkg = 'vite'): Promise<{dir: string; home: string}> {
  const dir = await scratchProject({frameworks: true})
  const link = path.join(dir, 'node_modules', 'vite')
  rmSync(link)
  symlinkSync(path.join(FRAMEWORKS, 'node_modules', pkg), link)
  writeFileSync(path.join(dir, 'index.html'), PAGE)
  writeFileSync(path.join(dir, 'main.js'), "document.body.append('v1')\n")
  return {dir, home: tempDir('localcert-vite-home-')}
}

describe.each(VITES)('%s with plugins: [localcert()] and no other config', (_label, pkg) => {
  it('serves https://localhost trusted by the root alone, and HMR connects over wss and sends updates', async () => {
    const {dir, home} = await viteProject(pkg)
    writeFileSync(path.join(dir, 'vite.config.js'), readmeRecipe('vite').code)
    writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}\n')
    const port = await freePort()
    await startDevServer(process.execPath, ['node_modules/vite/bin/vite.js', '--port', String(port), '--strictPort'], {cwd: dir, env: {LOCALCERT_HOME: home, NO_COLOR: '1'}, readyWhen: new RegExp(`https://localhost:${port}/`)})
    const root = readFileSync(caPaths(home).rootCert, 'utf8')

    const page = await fetchTrusting(`https://127.0.0.1:${port}/`, root, {servername: 'localhost'})
    expect(page.status).toBe(200)
    expect(page.body).toContain('served by vite')
    expect(page.subjectAltName.split(', ').sort()).toEqual(['DNS:localhost', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort())
    // untrusted without our root: the certificate really comes from the local CA, not a self-signed one Vite made
    const stranger = await issueCertificate(['other.localhost'], {home: tempDir('localcert-vite-other-')})
    await expect(fetchTrusting(`https://127.0.0.1:${port}/`, stranger.rootPem, {servername: 'localhost'})).rejects.toThrow(/unable to verify|self.signed|certificate/)

    // the HMR client's own connection: the token from /@vite/client, the vite-hmr protocol, over wss on the same server
    const client = await fetchTrusting(`https://127.0.0.1:${port}/@vite/client`, root, {servername: 'localhost'})
    const token = /const wsToken = "([^"]+)"/.exec(client.body)?.[1] ?? ''
    expect(token).not.toBe('')
    await fetchTrusting(`https://127.0.0.1:${port}/main.js`, root, {servername: 'localhost'})
    const socket = new WebSocket(`wss://localhost:${port}/?token=${token}`, 'vite-hmr', {ca: root})
    const messages: Array<{type: string}> = []
    const arrived = (type: string) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${type} message; got ${JSON.stringify(messages)}`)), 30_000)
        const check = () => messages.some((message) => message.type === type) && (clearTimeout(timer), resolve())
        socket.on('message', check)
        check()
      })
    socket.on('message', (data) => messages.push(JSON.parse(String(data)) as {type: string}))
    await arrived('connected')
    writeFileSync(path.join(dir, 'main.js'), "document.body.append('v2')\n")
    await arrived('full-reload')
    socket.close()
  })
})

describe('the Vite plugin in a configured project', () => {
  it('covers server.host, allowedHosts and its own names, warns about a public name and one that does not resolve and still starts, and renewNow swaps the certificate live', async () => {
    const {dir, home} = await viteProject()
    const port = await freePort()
    writeFileSync(
      path.join(dir, 'serve.mjs'),
      `import {createServer} from 'vite'
import tls from 'node:tls'
import {readFileSync} from 'node:fs'
import localcert from 'localcert/vite'
const plugin = localcert({names: ['api.localhost', 'nope-${process.pid}.test']})
const server = await createServer({configFile: false, root: process.cwd(), server: {port: ${port}, strictPort: true, host: '127.0.0.1', allowedHosts: ['app.localhost', '.shop.localhost', 'example.com']}, plugins: [plugin]})
await server.listen()
const ca = readFileSync(process.env.ROOT_FILE, 'utf8')
const peer = () => new Promise((resolve, reject) => {
  const socket = tls.connect({host: '127.0.0.1', port: ${port}, servername: 'app.localhost', ca}, () => { const c = socket.getPeerCertificate(); socket.end(); resolve({serial: c.serialNumber, sans: c.subjectaltname}) })
  socket.on('error', reject)
})
const before = await peer()
await plugin.renewNow()
const after = await peer()
console.log('RESULT ' + JSON.stringify({before, after}))
await server.close()
`,
    )
    const result = await sh(process.execPath, ['serve.mjs'], {cwd: dir, env: {LOCALCERT_HOME: home, ROOT_FILE: caPaths(home).rootCert, NO_COLOR: '1'}})
    expect(result.code, result.stdout + result.stderr).toBe(0)
    const {before, after} = JSON.parse(/RESULT (.*)/.exec(result.stdout)![1]!) as {before: {serial: string; sans: string}; after: {serial: string; sans: string}}
    expect(before.sans.split(', ').sort()).toEqual(['DNS:*.shop.localhost', 'DNS:api.localhost', 'DNS:app.localhost', 'DNS:localhost', 'DNS:shop.localhost', `DNS:nope-${process.pid}.test`, 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort())
    expect(result.stdout + result.stderr).toMatch(/skipping "example\.com": outside what this CA may sign/)
    expect(result.stdout + result.stderr).toContain(`localcert: nope-${process.pid}.test does not resolve`)
    expect(after.serial).not.toBe(before.serial)
    expect(after.sans).toBe(before.sans)
  })

  it('leaves vite build alone (no CA, no certificate) and serves vite preview over HTTPS', async () => {
    const {dir, home} = await viteProject()
    writeFileSync(path.join(dir, 'vite.config.js'), readmeRecipe('vite').code)
    writeFileSync(path.join(dir, 'package.json'), '{"type": "module"}\n')
    const build = await sh(process.execPath, ['node_modules/vite/bin/vite.js', 'build'], {cwd: dir, env: {LOCALCERT_HOME: home}})
    expect(build.code, build.stderr).toBe(0)
    expect(existsSync(caPaths(home).rootCert), 'vite build created a CA').toBe(false)
    const port = await freePort()
    await startDevServer(process.execPath, ['node_modules/vite/bin/vite.js', 'preview', '--port', String(port), '--strictPort'], {cwd: dir, env: {LOCALCERT_HOME: home, NO_COLOR: '1'}, readyWhen: new RegExp(`https://localhost:${port}/`)})
    const page = await fetchTrusting(`https://127.0.0.1:${port}/`, readFileSync(caPaths(home).rootCert, 'utf8'), {servername: 'localhost'})
    expect(page.status).toBe(200)
    expect(page.body).toContain('served by vite')
  })

  it('leaves a server.https the user set alone', async () => {
    // the plugin's hooks called in this process: no project to install, only a home for the CA
    const home = tempDir('localcert-vite-home-')
    const {localcert} = await import('../../src/api/vite.js')
    const plugin = localcert({home})
    const swapped: string[] = []
    const server = (name: string) => ({httpServer: {setSecureContext: () => void swapped.push(name)}, config: {logger: console}})
    expect(await plugin.config({server: {https: {key: 'theirs'}}})).toEqual({})
    plugin.configureServer(server('their dev server'))
    plugin.configurePreviewServer(server('their preview server'))
    await plugin.renewNow()
    expect(swapped).toEqual([])
    // a second plugin, whose user set only preview.https, owns the dev server: its renewNow does swap, so the check above could fail
    const other = localcert({home})
    expect(await other.config({preview: {https: {key: 'theirs'}}})).toEqual({server: {https: expect.objectContaining({key: expect.stringContaining('PRIVATE KEY')})}})
    other.configureServer(server('our dev server'))
    await other.renewNow()
    expect(swapped).toEqual(['our dev server'])
  })
})

describe('viteNames', () => {
  it('adds the LAN addresses only when Vite listens beyond loopback, and expands a leading-dot allowedHost', async () => {
    const {viteNames} = await import('../../src/api/vite.js')
    const lan = () => ['192.168.1.20', 'fd00::5']
    expect(viteNames({server: {host: 'app.localhost'}}, [], lan)).toEqual(['localhost', '127.0.0.1', '::1', 'app.localhost'])
    expect(viteNames({server: {host: true}}, [], lan)).toEqual(['localhost', '127.0.0.1', '::1', '192.168.1.20', 'fd00::5'])
    expect(viteNames({preview: {host: '0.0.0.0', allowedHosts: ['.dev.localhost', 'X.localhost']}}, ['extra.test'], lan)).toEqual(['localhost', '127.0.0.1', '::1', 'dev.localhost', '*.dev.localhost', 'x.localhost', 'extra.test', '192.168.1.20', 'fd00::5'])
    expect(viteNames({server: {allowedHosts: true}}, [], lan)).toEqual(['localhost', '127.0.0.1', '::1'])
  })
})
