import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {caPaths} from '../../src/state/paths.js'
import {listening, startDevServer, type DevServer} from './dev-server.js'
import {freePort} from './net.js'
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

/** A README recipe running in a scratch project: its port, the root to trust and the server to stop. */
export interface RunningRecipe {
  port: number
  rootPem: string
  server: DevServer
}

/**
 * Writes the README's `recipe` block to `file` in `project` and starts it: `node file`, or `bash -e file` for a sh
 * recipe, or `command` (argv) for a config file a tool reads; with the project's node_modules/.bin first on PATH,
 * `PORT` a free port and `LOCALCERT_HOME` = `home`. Resolves once the port accepts connections.
 * @example const {port, rootPem} = await startRecipe('express-esm', 'server.mjs', {project, home})
 */
export async function startRecipe(recipe: string, file: string, options: {project: string; home: string; command?: string[]; env?: NodeJS.ProcessEnv; timeoutMs?: number}): Promise<RunningRecipe> {
  const {project, home} = options
  const {lang, code} = readmeRecipe(recipe)
  writeFileSync(path.join(project, file), code)
  const port = await freePort()
  const env = {PORT: String(port), LOCALCERT_HOME: home, PATH: `${path.join(project, 'node_modules', '.bin')}${path.delimiter}${process.env.PATH}`, ...options.env}
  const [command = process.execPath, ...args] = options.command ?? (lang === 'sh' ? ['bash', '-e', file] : [process.execPath, file])
  const server = await startDevServer(command, args, {cwd: project, env, readyWhen: listening(port), timeoutMs: options.timeoutMs})
  return {port, rootPem: readFileSync(caPaths(home).rootCert, 'utf8'), server}
}
