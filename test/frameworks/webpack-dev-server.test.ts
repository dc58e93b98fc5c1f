import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {frameworkVersion} from '../support/project.js'
import {recipeProject} from '../support/recipes.js'

const recipes = recipeProject('webpack', {
  // the smallest app the recipe's config serves: webpack's default entry and the dev server's default static folder
  prepare(project) {
    mkdirSync(path.join(project, 'src'))
    writeFileSync(path.join(project, 'src', 'index.js'), "document.body.textContent = 'hello from the bundle'\n")
    mkdirSync(path.join(project, 'public'))
    writeFileSync(path.join(project, 'public', 'index.html'), '<!doctype html><title>app</title><script src="main.js"></script>\n')
  },
})

describe(`the README's webpack-dev-server recipe (webpack ${frameworkVersion('webpack')}, webpack-cli ${frameworkVersion('webpack-cli')}, webpack-dev-server ${frameworkVersion('webpack-dev-server')})`, () => {
  it('serves the page and its bundle over HTTPS from a CommonJS webpack.config.js, trusted by the localcert root alone', async () => {
    const recipe = await recipes.start('webpack-dev-server', 'webpack.config.js', {
      command: [process.execPath, path.join('node_modules', 'webpack-cli', 'bin', 'cli.js'), 'serve'],
      timeoutMs: 90_000,
    })
    const {server} = recipe
    const page = await recipe.get('/', {servername: 'app.localhost'})
    expect(page.status, server.output()).toBe(200)
    expect(page.body).toContain('<script src="main.js">')
    expect(page.subjectAltName).toContain('DNS:app.localhost')
    const bundle = await recipe.get('/main.js', {servername: 'app.localhost'})
    expect(bundle.status, server.output()).toBe(200)
    expect(bundle.body).toContain('hello from the bundle')
    // webpack-dev-server makes a self-signed certificate of its own when it gets no key: it must not have
    expect(server.output()).not.toMatch(/Generating SSL certificate/)
    await server.stop()
  })
})
