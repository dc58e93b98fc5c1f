import {describe, it} from 'vitest'
import {frameworkVersion} from '../support/project.js'
import {expectHelloOverHttps, expectHttp2AndHttp1, recipeProject} from '../support/recipes.js'

const recipes = recipeProject('fastify')

describe(`the README's Fastify recipes (fastify ${frameworkVersion('fastify')})`, () => {
  it('serves app.localhost over HTTPS, trusted by the localcert root alone', async () => {
    const recipe = await recipes.start('fastify', 'server.mjs')
    await expectHelloOverHttps(recipe)
    await recipe.server.stop()
  })

  it('serves HTTP/2 with http2: true, and still HTTP/1.1 to a client without it', async () => {
    const recipe = await recipes.start('fastify-http2', 'server-h2.mjs')
    await expectHttp2AndHttp1(recipe)
    await recipe.server.stop()
  })
})
