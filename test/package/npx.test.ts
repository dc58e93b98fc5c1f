import {copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {ROOT, sh, tempDir} from '../support/env.js'
import {opensslVerify} from '../support/pki.js'
import {readmeBlocks, shellCommands} from '../support/readme.js'
import {hasTools} from '../support/tools.js'

// The one-liner a new user types, with the tarball CI packed (once per run, test/support/global-setup.ts) instead of
// the registry copy: an empty directory, an empty HOME, no LOCALCERT_HOME. npx and npm install fetch the tarball's
// dependencies from the npm registry through the user's npm cache (warm after the first run); the library itself
// (require/import, types, what loads) is tested in depth by test/package/exports.test.ts.
const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {version: string}).version
const tgz = `localcert-${version}.tgz`
/** The npm cache of the user running the suite: npx's own installs in it (`_npx/<hash>`) are removed afterwards. */
const cache = process.env.npm_config_cache || path.join(process.env.HOME ?? '/root', '.npm')
const npxDirs = () => (existsSync(path.join(cache, '_npx')) ? readdirSync(path.join(cache, '_npx')) : [])

let work: string
let userHome: string
let env: NodeJS.ProcessEnv
const before = npxDirs()

beforeAll(() => {
  const tarball = process.env.LOCALCERT_TEST_TARBALL
  if (!tarball) throw new Error('LOCALCERT_TEST_TARBALL is not set: run through vitest (its global setup packs the package)')
  work = tempDir('localcert-npx-')
  userHome = tempDir('localcert-npx-home-')
  copyFileSync(tarball, path.join(work, tgz))
  env = {HOME: userHome, LOCALCERT_HOME: undefined, XDG_DATA_HOME: undefined, XDG_CONFIG_HOME: undefined, npm_config_cache: cache, npm_config_prefer_offline: 'true', npm_config_update_notifier: 'false', NO_COLOR: '1'}
})

afterAll(() => {
  for (const dir of npxDirs().filter((entry) => !before.includes(entry))) rmSync(path.join(cache, '_npx', dir), {recursive: true, force: true})
})

const npx = (args: string[]) => sh('npx', ['--yes', '--package', `./${tgz}`, 'localcert', ...args], {cwd: work, env})

describe.skipIf(!hasTools('npx one-shot', 'npx', 'openssl'))('npx --package ./localcert-<version>.tgz, from an empty directory and HOME', () => {
  it('sets up a CA without touching trust stores, then issues a certificate whose chain verifies against that root', async () => {
    const setup = await npx(['setup', '--no-trust'])
    expect(setup.code, setup.stderr).toBe(0)
    const dataHome = path.join(userHome, '.local', 'share', 'localcert')
    // setup wraps its lines to the width (100 in a pipe); continuation lines are indented
    const said = setup.stdout.replace(/\n +/g, ' ')
    expect(said).toContain(`Created a new local CA in ${dataHome}`)
    expect(said).toContain('Trust stores were left alone (--no-trust)')
    const rootPem = readFileSync(path.join(dataHome, 'ca', 'root.pem'), 'utf8')

    const cert = await npx(['cert', 'app.localhost'])
    expect(cert.code, cert.stderr).toBe(0)
    const chain = readFileSync(path.join(work, 'app.localhost.pem'), 'utf8')
    expect(statSync(path.join(work, 'app.localhost-key.pem')).mode & 0o777).toBe(0o600)
    expect(chain.match(/BEGIN CERTIFICATE/g)).toHaveLength(2)
    const verdict = await opensslVerify(chain, {rootPem}, ['-x509_strict', '-purpose', 'sslserver', '-verify_hostname', 'app.localhost'])
    expect(verdict, verdict.output).toMatchObject({ok: true})
  })

  it('is the one-liner the README gives, for this version', () => {
    const lines = readmeBlocks().filter((block) => block.lang === 'sh').flatMap((block) => shellCommands(block).map((entry) => entry.command))
    for (const command of ['setup --no-trust', 'cert app.localhost']) expect(lines).toContain(`npx --yes --package ./${tgz} localcert ${command}`)
  })

  it('keeps a preference in ~/.config/localcert (no LOCALCERT_HOME), and the next one-shot cert uses it', async () => {
    const set = await npx(['config', 'set', 'key-type', 'rsa'])
    expect(set.code, set.stderr).toBe(0)
    const file = path.join(userHome, '.config', 'localcert', 'config.json')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({'key-type': 'rsa'})
    expect(statSync(file).mode & 0o777).toBe(0o600)
    const cert = await npx(['cert', '--cert-file', 'rsa.pem', '--key-file', 'rsa-key.pem', 'rsa.localhost'])
    expect(cert.code, cert.stderr).toBe(0)
    expect((await sh('openssl', ['x509', '-in', 'rsa.pem', '-noout', '-text'], {cwd: work})).stdout).toContain('Public Key Algorithm: rsaEncryption')
  })

  it('installs with npm install (dependencies from the registry) and is required and imported from the project', async () => {
    const project = path.join(work, 'project')
    mkdirSync(project)
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({name: 'app', version: '1.0.0', private: true}))
    const install = await sh('npm', ['install', '--no-audit', '--no-fund', `../${tgz}`], {cwd: project, env})
    expect(install.code, install.stderr).toBe(0)
    const issue = `(api) => api.issueCertificate(['app.localhost']).then((c) => console.log(c.notAfter instanceof Date && c.certPem.includes('BEGIN CERTIFICATE')))`
    const required = await sh(process.execPath, ['-e', `(${issue})(require('localcert'))`], {cwd: project, env})
    expect(required.stdout + required.stderr).toBe('true\n')
    const imported = await sh(process.execPath, ['--input-type=module', '-e', `import * as api from 'localcert'; await (${issue})(api)`], {cwd: project, env})
    expect(imported.stdout + imported.stderr).toBe('true\n')
  })
})
