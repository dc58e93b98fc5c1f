import {describe, expect, it} from 'vitest'
import {frameworkVersion} from '../support/project.js'
import {recipeProject} from '../support/recipes.js'

const recipes = recipeProject('fastify')

describe(`the README's Fastify recipes (fastify ${frameworkVersion('fastify')})`, () => {
  it('serves app.localhost over HTTPS, trusted by the localcert root alone', async () => {
    const recipe = await recipes.start('fastify', 'server.mjs')
    const page = await recipe.get('/', {servername: 'app.localhost'})
    expect(page.status).toBe(200)
    expect(page.body).toBe('hello over https')
    expect(page.subjectAltName).toContain('DNS:app.localhost')
    await recipe.server.stop()
  })

  it('serves HTTP/2 with http2: true, and still HTTP/1.1 to a client without it', async () => {
    const recipe = await recipes.start('fastify-http2', 'server-h2.mjs')
    const h2 = await recipe.get('/', {servername: 'app.localhost', http2: true})
    expect(h2.alpn).toBe('h2')
    expect(h2.status).toBe(200)
    expect(h2.body).toBe('hello over HTTP/2.0')
    const h1 = await recipe.get('/', {servername: 'app.localhost'})
    expect(h1.body).toBe('hello over HTTP/1.1')
    await recipe.server.stop()
  })
})
