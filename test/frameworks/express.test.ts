import {beforeAll, describe, expect, it} from 'vitest'
import {fetchTrusting} from '../support/dev-server.js'
import {tempDir} from '../support/env.js'
import {frameworkVersion, scratchProject} from '../support/project.js'
import {startRecipe} from '../support/recipes.js'

const home = tempDir('localcert-express-home-')
let project: string
beforeAll(async () => {
  project = await scratchProject({frameworks: true})
})

describe(`the README's Express recipes (express ${frameworkVersion('express')})`, () => {
  it('serves app.localhost over HTTPS from ESM, trusted by the localcert root alone', async () => {
    const {port, rootPem, server} = await startRecipe('express-esm', 'server.mjs', {project, home})
    const page = await fetchTrusting(`https://127.0.0.1:${port}/`, rootPem, {servername: 'app.localhost'})
    expect(page.status).toBe(200)
    expect(page.body).toBe('hello over https')
    expect(page.subjectAltName).toContain('DNS:app.localhost')
    await server.stop()
  })

  it('serves it from CommonJS with require(\'localcert\') and no top-level await', async () => {
    const {port, rootPem, server} = await startRecipe('express-cjs', 'server.cjs', {project, home})
    const page = await fetchTrusting(`https://127.0.0.1:${port}/`, rootPem, {servername: 'app.localhost'})
    expect(page.status).toBe(200)
    expect(page.body).toBe('hello over https')
    await server.stop()
  })

  it('refuses a client that trusts only its bundled roots (the certificate really comes from our CA)', async () => {
    const {port, server} = await startRecipe('express-esm', 'server.mjs', {project, home})
    const bundled = (await import('node:tls')).rootCertificates.join('\n')
    await expect(fetchTrusting(`https://127.0.0.1:${port}/`, bundled, {servername: 'app.localhost'})).rejects.toThrow(/certificate/i)
    await server.stop()
  })
})
