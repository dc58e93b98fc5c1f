import {describe, expect, it} from 'vitest'
import {fetchTrusting} from '../support/dev-server.js'
import {tempDir} from '../support/env.js'
import {scratchProject} from '../support/project.js'
import {startRecipe} from '../support/recipes.js'

describe(`the README's node:http2 recipe (Node ${process.version})`, () => {
  it('speaks HTTP/2 to an h2 client and HTTP/1.1 to the others, trusted by the localcert root alone', async () => {
    const project = await scratchProject()
    const {port, rootPem, server} = await startRecipe('node-http2', 'server.mjs', {project, home: tempDir('localcert-http2-home-')})
    const h2 = await fetchTrusting(`https://127.0.0.1:${port}/`, rootPem, {servername: 'app.localhost', http2: true})
    expect(h2.alpn).toBe('h2')
    expect(h2.status).toBe(200)
    expect(h2.body).toBe('hello over HTTP/2.0')
    const h1 = await fetchTrusting(`https://127.0.0.1:${port}/`, rootPem, {servername: 'app.localhost'})
    expect(h1.status).toBe(200)
    expect(h1.body).toBe('hello over HTTP/1.1')
    await server.stop()
  })
})
