// Builds the CommonJS face of the library (what `require('localcert')` and `require('localcert/vite')` load) into
// dist/cjs/: one esbuild bundle per entry, dependencies included, because several of them (jose, execa, env-paths)
// ship ESM only and older tools that load CJS configs (jest transforms, some webpack/Next config loaders) cannot
// load ESM. dist/cjs/package.json says "commonjs", and the .d.ts files tsc wrote are copied beside the bundles so
// TypeScript reads them as CommonJS types for `require` (node16/nodenext resolution) with no ESM-from-CJS error.
import {build} from 'esbuild'
import {mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const dist = path.join(root, 'dist')
const out = path.join(dist, 'cjs')
/** Public entry points: keep in step with package.json "exports". */
export const ENTRIES = {index: 'src/index.ts', vite: 'src/api/vite.ts'}

await rm(out, {recursive: true, force: true})
await mkdir(out, {recursive: true})
await build({
  entryPoints: Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(root, file)])),
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // a dev server's own copy of vite stays the one the plugin talks to
  external: ['vite'],
  logLevel: 'warning',
  // an import.meta in library code would be {} here: fail the build instead of shipping a broken require()
  logOverride: {'empty-import-meta': 'error'},
})
await writeFile(path.join(out, 'package.json'), JSON.stringify({type: 'commonjs'}) + '\n')

/** Packages whose types are ESM only: a CommonJS declaration may import their types, with resolution-mode import. */
const ESM_ONLY = ['jose']

/** A type import from an ESM-only package, as TypeScript accepts it in a CommonJS declaration (TS1541). */
function forCommonJs(declaration) {
  return declaration.replace(/^import (type )?\{([^}]*)\} from '([^']+)';$/gm, (line, _type, names, from) => {
    if (!ESM_ONLY.includes(from)) return line
    return `import type {${names.replace(/\btype /g, '')}} from '${from}' with { 'resolution-mode': 'import' };`
  })
}

async function copyDeclarations(dir) {
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    if (full === out || full === path.join(dist, 'oclif')) continue
    if (entry.isDirectory()) await copyDeclarations(full)
    else if (entry.name.endsWith('.d.ts')) {
      const target = path.join(out, path.relative(dist, full))
      await mkdir(path.dirname(target), {recursive: true})
      await writeFile(target, forCommonJs(await readFile(full, 'utf8')))
    }
  }
}
await copyDeclarations(dist)
console.error(`CommonJS build: ${Object.keys(ENTRIES).join(', ')}`)
