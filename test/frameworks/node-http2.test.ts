import {describe, expect, it} from 'vitest'
import {recipeProject} from '../support/recipes.js'

const recipes = recipeProject('http2', {frameworks: false})

describe(`the README's node:http2 recipe (Node ${process.version})`, () => {
  it('speaks HTTP/2 to an h2 client and HTTP/1.1 to the others, trusted by the localcert root alone', async () => {
    const recipe = await recipes.start('node-http2', 'server.mjs')
    const h2 = await recipe.get('/', {servername: 'app.localhost', http2: true})
    expect(h2.alpn).toBe('h2')
    expect(h2.status).toBe(200)
    expect(h2.body).toBe('hello over HTTP/2.0')
    const h1 = await recipe.get('/', {servername: 'app.localhost'})
    expect(h1.status).toBe(200)
    expect(h1.body).toBe('hello over HTTP/1.1')
    await recipe.server.stop()
  })
})
