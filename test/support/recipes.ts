import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {beforeAll, expect} from 'vitest'
import {caPaths} from '../../src/state/paths.js'
import {fetchTrusting, listening, startDevServer, type DevServer, type FetchOptions, type TrustedResponse} from './dev-server.js'
import {tempDir} from './env.js'
import {freePort} from './net.js'
import {scratchProject} from './project.js'
import {readmeBlock} from './readme.js'

/** A code block of the README: its fence language and its text, exactly as a user copies it. */
export interface ReadmeSnippet {
  lang: string
  code: string
}

/**
 * The code block right after `<!-- recipe: NAME -->` in README.md, so a test runs the text users paste and the two
 * cannot drift; throws if the marker or its block is missing.
 * @example const {code} = readmeRecipe('express-esm'); writeFileSync(path.join(dir, 'server.mjs'), code)
 */
export function readmeRecipe(name: string): ReadmeSnippet {
  const block = readmeBlock(`recipe: ${name}`)
  return {lang: block.lang, code: block.text}
}

/** A README recipe running in a scratch project: its port, the root to trust, the server to stop, and a client for it. */
export interface RunningRecipe {
  port: number
  rootPem: string
  server: DevServer
  /** GETs `pathname` (/ unless told) from https://127.0.0.1:port trusting the localcert root alone (fetchTrusting). */
  get: (pathname?: string, options?: FetchOptions) => Promise<TrustedResponse>
}

/** What `startRecipe` needs besides the recipe and its file. */
export interface RecipeOptions {
  project: string
  home: string
  command?: string[]
  env?: NodeJS.ProcessEnv
  timeoutMs?: number
}

/**
 * Writes the README's `recipe` block to `file` in `project` and starts it: `node file`, or `bash -e file` for a sh
 * recipe, or `command` (argv) for a config file a tool reads; with the project's node_modules/.bin first on PATH,
 * `PORT` a free port and `LOCALCERT_HOME` = `home`. Resolves once the port accepts connections.
 * @example const recipe = await startRecipe('express-esm', 'server.mjs', {project, home}); await recipe.get('/', {servername: 'app.localhost'})
 */
export async function startRecipe(recipe: string, file: string, options: RecipeOptions): Promise<RunningRecipe> {
  const {project, home} = options
  const {lang, code} = readmeRecipe(recipe)
  writeFileSync(path.join(project, file), code)
  const port = await freePort()
  const env = {PORT: String(port), LOCALCERT_HOME: home, PATH: `${path.join(project, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, ...options.env}
  const [command = process.execPath, ...args] = options.command ?? (lang === 'sh' ? ['bash', '-e', file] : [process.execPath, file])
  const server = await startDevServer(command, args, {cwd: project, env, readyWhen: listening(port), timeoutMs: options.timeoutMs})
  const rootPem = readFileSync(caPaths(home).rootCert, 'utf8')
  return {port, rootPem, server, get: (pathname = '/', fetchOptions) => fetchTrusting(`https://127.0.0.1:${port}${pathname}`, rootPem, fetchOptions)}
}

/**
 * The scratch project one file of recipe tests shares, made before its tests (the fixture frameworks linked in
 * unless `frameworks: false`, then `prepare` adds the app's own files), and its LOCALCERT_HOME; `start` runs a
 * recipe there (startRecipe; `home` may be overridden per recipe).
 * @example const recipes = recipeProject('express'); it('…', async () => { const recipe = await recipes.start('express-esm', 'server.mjs') })
 */
export function recipeProject(name: string, options: {frameworks?: boolean; prepare?: (project: string) => void | Promise<void>} = {}) {
  const home = tempDir(`localcert-${name}-home-`)
  let project: string | undefined
  beforeAll(async () => {
    project = await scratchProject({frameworks: options.frameworks ?? true})
    await options.prepare?.(project)
  })
  return {
    home,
    start(recipe: string, file: string, more: Partial<Omit<RecipeOptions, 'project'>> = {}): Promise<RunningRecipe> {
      if (!project) throw new Error(`the ${name} recipe project was not made (its beforeAll failed)`)
      return startRecipe(recipe, file, {project, home, ...more})
    },
  }
}

/** What the README's plain recipes promise: / answers 'hello over https' for app.localhost, under a leaf naming it. */
export async function expectHelloOverHttps(recipe: RunningRecipe): Promise<void> {
  const page = await recipe.get('/', {servername: 'app.localhost'})
  expect(page.status, recipe.server.output()).toBe(200)
  expect(page.body).toBe('hello over https')
  expect(page.subjectAltName).toContain('DNS:app.localhost')
}

/** What the README's HTTP/2 recipes promise: HTTP/2 to a client that offers h2, HTTP/1.1 to one that does not, each saying which. */
export async function expectHttp2AndHttp1(recipe: RunningRecipe): Promise<void> {
  const h2 = await recipe.get('/', {servername: 'app.localhost', http2: true})
  expect(h2.alpn).toBe('h2')
  expect(h2.status, recipe.server.output()).toBe(200)
  expect(h2.body).toBe('hello over HTTP/2.0')
  const h1 = await recipe.get('/', {servername: 'app.localhost'})
  expect(h1.status, recipe.server.output()).toBe(200)
  expect(h1.body).toBe('hello over HTTP/1.1')
}
