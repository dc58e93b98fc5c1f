import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {ROOT} from './env.js'

/**
 * Writes a program that imports our sources (`SRC/state/files.ts`…) as one runnable ESM file at `file`, bundled
 * with esbuild, its dependencies imported from the project's node_modules by absolute URL, so it runs from any
 * directory, under any user, on the Node running the suite: for tests that need a process of their own.
 * @example await sourceProgram(`import {claimAcmeState} from 'SRC/state/discovery.ts'; …`, path.join(dir, 'probe.mjs'))
 */
export async function sourceProgram(code: string, file: string): Promise<string> {
  const {build} = await import('esbuild')
  await build({stdin: {contents: code.replace(/SRC\//g, `${path.join(ROOT, 'src')}/`), loader: 'ts', resolveDir: path.dirname(file)}, outfile: file, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'error'})
  const bundled = readFileSync(file, 'utf8').replace(/(from |import\()"(?!node:)([^".][^"]*)"/g, (_all, how: string, name: string) => `${how}${JSON.stringify(import.meta.resolve(name))}`)
  writeFileSync(file, bundled)
  return file
}
