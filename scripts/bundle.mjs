// Bundles each command (src/commands/**.ts) into dist/oclif/commands/, one file with its dependencies, so
// `localcert cert` loads one pre-resolved module instead of ~150 small ESM files (@peculiar/x509, asn1 schemas, tsyringe…): measured
// here, the unbundled import chain costs ~250 ms, the bundle ~35 ms. @oclif/core stays external (oclif's own
// runtime must share it), and so does @napi-rs/keyring (native). Code behind dynamic imports is split into dist/oclif/chunks/ and loaded only when used. The library is bundled by scripts/bundle-library.mjs.
import {build} from 'esbuild'
import {readdir, rm} from 'node:fs/promises'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)))
const commands = path.join(root, 'src', 'commands')
// oclif loads commands from here (package.json oclif.commands); tsc's dist/ stays the library build
const out = path.join(root, 'dist', 'oclif')
await rm(out, {recursive: true, force: true})

async function list(dir) {
  const found = []
  for (const entry of await readdir(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) found.push(...(await list(full)))
    else if (entry.name.endsWith('.ts')) found.push(full)
  }
  return found
}

const entryPoints = await list(commands)
await build({
  entryPoints,
  outdir: path.join(out, 'commands'),
  outbase: commands,
  bundle: true,
  // code behind a dynamic import (x509 for CSRs, asn1 for PKCS#12…) goes to shared chunks loaded only when used
  splitting: true,
  chunkNames: '../chunks/[name]-[hash]',
  platform: 'node',
  // prefer each package's ESM build, so dynamic imports keep their named exports
  mainFields: ['module', 'main'],
  format: 'esm',
  target: 'node20',
  // @napi-rs/keyring loads a native .node file of its platform package: it stays in node_modules (loaded only to unlock a key)
  external: ['@oclif/core', '@napi-rs/keyring'],
  // bundled CommonJS dependencies call require(); give ESM output a real one
  banner: {js: "import {createRequire as __lcRequire} from 'node:module';import {fileURLToPath as __lcPath} from 'node:url';import {dirname as __lcDirname} from 'node:path';const require=__lcRequire(import.meta.url);const __filename=__lcPath(import.meta.url);const __dirname=__lcDirname(__filename);"},
  logLevel: 'warning',
})
console.error(`bundled ${entryPoints.length} commands`)
