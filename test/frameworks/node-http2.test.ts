import {describe, it} from 'vitest'
import {expectHttp2AndHttp1, recipeProject} from '../support/recipes.js'

const recipes = recipeProject('http2', {frameworks: false})

describe(`the README's node:http2 recipe (Node ${process.version})`, () => {
  it('speaks HTTP/2 to an h2 client and HTTP/1.1 to the others, trusted by the localcert root alone', async () => {
    const recipe = await recipes.start('node-http2', 'server.mjs')
    await expectHttp2AndHttp1(recipe)
    await recipe.server.stop()
  })
})
