import {rootCertificates} from 'node:tls'
import {describe, expect, it} from 'vitest'
import {fetchTrusting} from '../support/dev-server.js'
import {frameworkVersion} from '../support/project.js'
import {expectHelloOverHttps, recipeProject} from '../support/recipes.js'

const recipes = recipeProject('express')

describe(`the README's Express recipes (express ${frameworkVersion('express')})`, () => {
  it('serves app.localhost over HTTPS from ESM, trusted by the localcert root alone', async () => {
    const recipe = await recipes.start('express-esm', 'server.mjs')
    await expectHelloOverHttps(recipe)
    await recipe.server.stop()
  })

  it('serves it from CommonJS with require(\'localcert\') and no top-level await', async () => {
    const recipe = await recipes.start('express-cjs', 'server.cjs')
    await expectHelloOverHttps(recipe)
    await recipe.server.stop()
  })

  it('refuses a client that trusts only its bundled roots (the certificate really comes from our CA)', async () => {
    const {port, server} = await recipes.start('express-esm', 'server.mjs')
    await expect(fetchTrusting(`https://127.0.0.1:${port}/`, rootCertificates.join('\n'), {servername: 'app.localhost'})).rejects.toThrow(/certificate/i)
    await server.stop()
  })
})
