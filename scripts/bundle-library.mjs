// Builds the library's JavaScript (tsc writes only its types into dist/):
// - ESM, what `import 'localcert'` and `import 'localcert/vite'` load: dist/index.js and dist/vite.js, our code in one
//   file per entry with lazily loaded parts (the ACME server, challenge validation) split into dist/chunks/, and
//   package.json "dependencies" left to node_modules, where npm dedupes and updates them. Measured here: importing it
//   costs ~6 ms, ~60 separate tsc modules ~20 ms. A package the code uses that is only a devDependency (env-paths, a
//   tiny ESM-only helper) is bundled into a lazy chunk instead, so a user's install does not carry it; execa and the
//   PKCS#12 ASN.1 modules are reached by CLI commands only, which scripts/bundle.mjs bundles whole
//   (scripts/bench-package.mjs measures the install).
// - CommonJS, what `require('localcert')` and `require('localcert/vite')` load: dist/cjs/, one bundle per entry that
//   carries the dependencies shipping ESM only (jose, execa, env-paths) and requires the others, because tools with
//   their own module loader (jest transforms, some config loaders) cannot require ESM. dist/cjs/package.json says
//   "commonjs", and the .d.ts files are copied beside the bundles so TypeScript reads them as CommonJS types for
//   `require` (node16/nodenext resolution).
import {build} from 'esbuild'
import {mkdir, readdir, readFile, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const pkg = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8'))
/** Dependencies that ship no CommonJS build: the CommonJS bundle carries them, and CommonJS types import them as ESM. */
const ESM_ONLY = ['jose', 'execa', 'env-paths']
const dist = path.join(root, 'dist')
const out = path.join(dist, 'cjs')
/** Public entry points: keep in step with package.json "exports". */
const ENTRIES = {index: 'src/index.ts', vite: 'src/api/vite.ts'}

const entryPoints = Object.fromEntries(Object.entries(ENTRIES).map(([name, file]) => [name, path.join(root, file)]))
await rm(out, {recursive: true, force: true})
await rm(path.join(dist, 'chunks'), {recursive: true, force: true})
await mkdir(out, {recursive: true})
await build({
  entryPoints,
  outdir: dist,
  bundle: true,
  splitting: true,
  chunkNames: 'chunks/[name]-[hash]',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['vite', ...Object.keys(pkg.dependencies)],
  logLevel: 'warning',
})
await build({
  entryPoints,
  outdir: out,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // only the ESM-only dependencies are bundled; the rest are required from node_modules when first used (x509 and
  // asn1 only for CSRs and CA work), and a dev server's own vite stays the one the plugin talks to
  external: ['vite', ...Object.keys(pkg.dependencies).filter((name) => !ESM_ONLY.includes(name))],
  logLevel: 'warning',
  // an import.meta in library code would be {} here: fail the build instead of shipping a broken require(); the one
  // use, import.meta.url as the base of createRequire (loading @napi-rs/keyring), is this bundle's own file URL
  define: {'import.meta.url': '__lcImportMetaUrl'},
  banner: {js: "const __lcImportMetaUrl = require('node:url').pathToFileURL(__filename).href;"},
  logOverride: {'empty-import-meta': 'error'},
  // import() of the external dependencies becomes require(): loaders with a module system of their own (jest) refuse import()
  supported: {'dynamic-import': false},
})
await writeFile(path.join(out, 'package.json'), JSON.stringify({type: 'commonjs'}) + '\n')

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
    if (full === out || full === path.join(dist, 'oclif') || full === path.join(dist, 'chunks')) continue
    if (entry.isDirectory()) await copyDeclarations(full)
    else if (entry.name.endsWith('.d.ts')) {
      const target = path.join(out, path.relative(dist, full))
      await mkdir(path.dirname(target), {recursive: true})
      await writeFile(target, forCommonJs(await readFile(full, 'utf8')))
    }
  }
}
await copyDeclarations(dist)
console.error(`library (ESM and CommonJS): ${Object.keys(ENTRIES).join(', ')}`)
