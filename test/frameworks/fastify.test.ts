import {beforeAll, describe, expect, it} from 'vitest'
import {fetchTrusting} from '../support/dev-server.js'
import {tempDir} from '../support/env.js'
import {frameworkVersion, scratchProject} from '../support/project.js'
import {startRecipe} from '../support/recipes.js'

const home = tempDir('localcert-fastify-home-')
let project: string
beforeAll(async () => {
  project = await scratchProject({frameworks: true})
})

describe(`the README's Fastify recipes (fastify ${frameworkVersion('fastify')})`, () => {
  it('serves app.localhost over HTTPS, trusted by the localcert root alone', async () => {
    const {port, rootPem, server} = await startRecipe('fastify', 'server.mjs', {project, home})
    const page = await fetchTrusting(`https://127.0.0.1:${port}/`, rootPem, {servername: 'app.localhost'})
    expect(page.status).toBe(200)
    expect(page.body).toBe('hello over https')
    expect(page.subjectAltName).toContain('DNS:app.localhost')
    await server.stop()
  })

  it('serves HTTP/2 with http2: true, and still HTTP/1.1 to a client without it', async () => {
    const {port, rootPem, server} = await startRecipe('fastify-http2', 'server-h2.mjs', {project, home})
    const h2 = await fetchTrusting(`https://127.0.0.1:${port}/`, rootPem, {servername: 'app.localhost', http2: true})
    expect(h2.alpn).toBe('h2')
    expect(h2.status).toBe(200)
    expect(h2.body).toBe('hello over HTTP/2.0')
    const h1 = await fetchTrusting(`https://127.0.0.1:${port}/`, rootPem, {servername: 'app.localhost'})
    expect(h1.body).toBe('hello over HTTP/1.1')
    await server.stop()
  })
})
