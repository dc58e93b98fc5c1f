import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {tempDir} from '../support/env.js'
import {frameworkVersion, linkBins, vendorPackages} from '../support/project.js'
import {recipeProject} from '../support/recipes.js'

// no telemetry; with no terminal it offers no upgrade, and with no browser its overlay never asks npm for versions
const env = {NEXT_TELEMETRY_DISABLED: '1'}
// next dev compiles the page on the first request: slow on a busy 2-core machine, never timed
const COMPILE_MS = 120_000

// Turbopack compiles only files inside the project once symlinks are resolved, and the fixture's packages are
// links into test/frameworks: the ones it compiles are copied in, the rest (the native compiler too) stay linked
const COMPILED = ['next', 'react', 'react-dom', 'scheduler', 'styled-jsx', '@swc/helpers', 'client-only']

// one app for both recipes, run one after the other: copying Next takes seconds
const recipes = recipeProject('next', {
  /** A one-page App Router app, as create-next-app would leave it. */
  prepare(project) {
    vendorPackages(project, COMPILED)
    linkBins(project, ['next', 'localcert'])
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({name: 'next-recipe', private: true}) + '\n')
    mkdirSync(path.join(project, 'app'))
    writeFileSync(path.join(project, 'app', 'layout.js'), 'export default function Layout({children}) {\n  return <html><body>{children}</body></html>\n}\n')
    writeFileSync(path.join(project, 'app', 'page.js'), 'export default function Page() {\n  return <h1>hello from next</h1>\n}\n')
  },
})

describe(`the README's Next.js recipes (next ${frameworkVersion('next')})`, () => {
  it('serves the page from next dev --experimental-https with the files localcert cert wrote, trusted by the localcert root alone', async () => {
    const recipe = await recipes.start('next-dev', 'next-dev.sh', {home: tempDir('localcert-next-home-'), env, timeoutMs: COMPILE_MS})
    const {server} = recipe
    const page = await recipe.get('/', {timeoutMs: COMPILE_MS})
    expect(page.status, server.output()).toBe(200)
    expect(page.body).toContain('hello from next')
    expect(page.subjectAltName).toMatch(/DNS:localhost.*IP Address:127\.0\.0\.1/)
    // given a key and a certificate, Next must not make (or download mkcert for) one of its own
    expect(server.output()).not.toMatch(/mkcert|Downloading/i)
    await server.stop()
  }, COMPILE_MS * 2)

  it('serves the page from a custom server.mjs over https.createServer(await httpsOptions())', async () => {
    const recipe = await recipes.start('next-custom-server', 'server.mjs', {home: tempDir('localcert-next-home-'), env, timeoutMs: COMPILE_MS})
    const {server} = recipe
    const page = await recipe.get('/', {servername: 'localhost', timeoutMs: COMPILE_MS})
    expect(page.status, server.output()).toBe(200)
    expect(page.body).toContain('hello from next')
    await server.stop()
  }, COMPILE_MS * 2)
})
