import {chmodSync, cpSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, unlinkSync} from 'node:fs'
import path from 'node:path'
import {ROOT, sh, tempDir} from './env.js'

/** Where the framework dev servers the recipe tests start are installed (`scripts/test.sh` runs `npm ci` there). */
export const FRAMEWORKS = path.join(ROOT, 'test', 'frameworks')

/** FRAMEWORKS/node_modules once `npm ci` has filled it (npm writes .package-lock.json last); else an error saying how. */
function frameworkModules(): string {
  const modules = path.join(FRAMEWORKS, 'node_modules')
  if (!existsSync(path.join(modules, '.package-lock.json'))) throw new Error(`${modules} is missing or not installed: run \`npm test\` (it installs the framework fixtures) or \`npm ci --prefix test/frameworks\``)
  return modules
}

/** The `npm pack` of the built package that the global setup made once for the run: exactly the files a user gets from the registry. */
function packedTarball(): string {
  const tarball = process.env.LOCALCERT_TEST_TARBALL
  if (!tarball) throw new Error('LOCALCERT_TEST_TARBALL is not set: run the tests through vitest.config.ts, whose global setup (test/support/global-setup.ts) packs the package')
  return tarball
}

/** Links the packages of `from` (those `wanted` keeps, by name) into `to` unless `to` has them already (the first source wins). */
function linkPackages(from: string, to: string, wanted: (name: string) => boolean = () => true, scope = ''): void {
  if (!existsSync(from)) return
  for (const entry of readdirSync(from)) {
    if (entry === '.bin' || entry === 'localcert' || entry.startsWith('.')) continue
    if (entry.startsWith('@')) {
      mkdirSync(path.join(to, entry), {recursive: true})
      linkPackages(path.join(from, entry), path.join(to, entry), wanted, `${entry}/`)
      continue
    }
    if (!wanted(scope + entry)) continue
    const target = path.join(to, entry)
    if (!existsSync(target)) symlinkSync(path.join(from, entry), target)
  }
}

/**
 * A new project directory with localcert installed the way `npm install localcert` would (the packed tarball,
 * unpacked into node_modules/localcert), its dependencies and the test frameworks linked in, without a network.
 * @example const dir = await scratchProject(); await sh(process.execPath, ['app.cjs'], {cwd: dir})
 */
export async function scratchProject(options: {frameworks?: boolean} = {}): Promise<string> {
  const tarball = packedTarball()
  const dir = tempDir('localcert-project-')
  const modules = path.join(dir, 'node_modules')
  const own = path.join(modules, 'localcert')
  mkdirSync(own, {recursive: true})
  const untar = await sh('tar', ['-xzf', tarball, '-C', own, '--strip-components=1'])
  if (untar.code !== 0) throw new Error(`cannot unpack ${tarball}: ${untar.stderr}`)
  if (options.frameworks) linkPackages(frameworkModules(), modules)
  linkPackages(path.join(ROOT, 'node_modules'), modules, (name) => runtimePackages().has(name))
  return dir
}

let runtime: Set<string> | undefined

/**
 * What `npm install localcert` puts in node_modules: localcert's dependencies and theirs (package-lock entries not
 * marked dev), so a dependency missing from package.json fails here as it would for a user; plus the consumer's own
 * @types/node, which the types test compiles against.
 */
function runtimePackages(): Set<string> {
  if (runtime) return runtime
  const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {packages: Record<string, {dev?: boolean}>}
  runtime = new Set(['@types/node', 'undici-types'])
  for (const [key, entry] of Object.entries(lock.packages)) {
    const name = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key)?.[1]
    if (name && !entry.dev) runtime.add(name)
  }
  return runtime
}

/**
 * Links the `bin` entries of installed `packages` into `dir`/node_modules/.bin, executable, as `npm install` does,
 * so a recipe can call `next` or `localcert` by name with that folder on PATH.
 * @example linkBins(dir, ['next', 'localcert'])  // dir/node_modules/.bin/next, …/localcert
 */
export function linkBins(dir: string, packages: string[]): void {
  const bin = path.join(dir, 'node_modules', '.bin')
  mkdirSync(bin, {recursive: true})
  for (const name of packages) {
    const installed = path.join(dir, 'node_modules', name)
    const linked = lstatSync(installed).isSymbolicLink()
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8')) as {bin?: string | Record<string, string>}
    const entries = typeof manifest.bin === 'string' ? {[name]: manifest.bin} : manifest.bin ?? {}
    for (const [command, target] of Object.entries(entries)) {
      const file = path.join(installed, target)
      // only our own unpacked tarball needs it; never chmod a linked framework (its files belong to the fixture install)
      if (!linked && (statSync(file).mode & 0o111) === 0) chmodSync(file, 0o755)
      const link = path.join(bin, command)
      if (!existsSync(link)) symlinkSync(path.relative(bin, file), link)
    }
  }
}

/**
 * Replaces the linked `packages` in `dir`/node_modules with copies of their files, for a tool that refuses files
 * outside its project root once symlinks are resolved (Turbopack); the copy is real, never hard links into the fixture.
 * @example vendorPackages(dir, ['next', 'react', 'react-dom'])
 */
export function vendorPackages(dir: string, packages: string[]): void {
  for (const name of packages) {
    const target = path.join(dir, 'node_modules', name)
    const source = realpathSync(target)
    if (source === target) continue
    unlinkSync(target)
    cpSync(source, target, {recursive: true, dereference: false, verbatimSymlinks: true})
  }
}

/** The version of a framework the fixture project installed, for test titles: `frameworkVersion('next')` → '16.4.6'. */
export function frameworkVersion(name: string): string {
  return (JSON.parse(readFileSync(path.join(frameworkModules(), name, 'package.json'), 'utf8')) as {version: string}).version
}
