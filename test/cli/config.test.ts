import {existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {beforeEach, describe, expect, it} from 'vitest'
import {DEFAULT_LEAF_DAYS} from '../../src/ca/leaf.js'
import {DEFAULT_ACME_PORT} from '../../src/state/discovery.js'
import {PREFERENCES} from '../../src/state/preferences.js'
import {fetchTrusting} from '../support/dev-server.js'
import {cli, sh, tempDir} from '../support/env.js'
import {freePort} from '../support/net.js'
import {serveEndpoint} from '../support/serve.js'
import {hasTools} from '../support/tools.js'
import {holdSystemTrust, runsAsRoot, snapshotSystemTrust} from '../trust/support/real.js'
import {uninstallRoot} from '../../src/trust/everywhere.js'
import {parseRoot} from '../../src/trust/root.js'

// `localcert config` through the built CLI: what is set is what the next command uses, flags win, bad input changes nothing.
const mode = (file: string) => statSync(file).mode & 0o777

let home: string
let work: string
let file: string
const config = (args: string[], env?: NodeJS.ProcessEnv) => cli(['config', ...args], {home, env})

beforeEach(() => {
  home = path.join(tempDir('localcert-config-'), 'home')
  work = path.dirname(home)
  file = path.join(home, 'config.json')
})

/** The leaf's key algorithm and validity in whole days, as openssl reads the certificate file. */
async function leaf(certFile: string): Promise<{algorithm: string; days: number}> {
  const text = await sh('openssl', ['x509', '-in', certFile, '-noout', '-text'])
  expect(text.code, text.stderr).toBe(0)
  const dates = await sh('openssl', ['x509', '-in', certFile, '-noout', '-startdate', '-enddate'])
  const [from, to] = ['notBefore', 'notAfter'].map((name) => Date.parse(new RegExp(`${name}=(.*)`).exec(dates.stdout)![1]!))
  return {algorithm: /Public Key Algorithm: (\S+)/.exec(text.stdout)![1]!, days: Math.round((to! - from!) / 86_400_000)}
}

describe('localcert config', () => {
  it('keeps its defaults in step with the commands it stands in for', () => {
    expect(PREFERENCES.days.default).toBe(DEFAULT_LEAF_DAYS)
    expect(PREFERENCES['acme-port'].default).toBe(DEFAULT_ACME_PORT)
  })

  it('lists every key as default, then as set once set, in a 0600 file inside LOCALCERT_HOME', async () => {
    const before = JSON.parse((await config(['list', '--json'])).stdout)
    expect(before.file).toBe(file)
    expect(before.preferences.map((entry: {key: string; source: string}) => `${entry.key}:${entry.source}`)).toEqual(['key-type:default', 'days:default', 'acme-port:default', 'shell-profile:default'])
    expect(existsSync(file), 'reading writes nothing').toBe(false)

    expect((await config(['set', 'days', '30'])).code).toBe(0)
    expect(mode(file)).toBe(0o600)
    expect(mode(home)).toBe(0o700)
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({days: 30})
    const list = await config(['list'])
    expect(list.stdout).toMatch(/^days\s+30\s+set\s+cert --days$/m)
    expect(list.stdout).toMatch(/^acme-port\s+8555\s+default\s+serve --port$/m)
    expect((await config(['get', 'days'])).stdout).toBe('30\n')
    // a key without a default value prints nothing on stdout (as `git config` does), and says why on stderr
    expect(await config(['get', 'key-type'])).toMatchObject({code: 0, stdout: '', stderr: "key-type is not set: cert uses the CA's key type\n"})

    const unset = await config(['unset', 'days'])
    expect(unset.stdout).toContain('back to the default (90)')
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({})
    expect(JSON.parse((await config(['get', 'days', '--json'])).stdout)).toMatchObject({key: 'days', value: 90, source: 'default'})
  })

  it('refuses an unknown key (listing the keys) and a bad value (saying the allowed ones), leaving the file as it was', async () => {
    expect((await config(['set', 'key-type', 'rsa'])).code).toBe(0)
    const saved = readFileSync(file, 'utf8')
    const cases: Array<[string[], RegExp]> = [
      [['set', 'colour', 'red'], /"colour" is not a localcert preference\n {2}→ use one of: key-type, days, acme-port, shell-profile/],
      [['set', 'key-type', 'dsa'], /key-type cannot be "dsa"\n {2}→ key-type takes ecdsa or rsa/],
      [['set', 'days', '900'], /days cannot be 900\n {2}→ days takes a whole number from 1 to 825/],
      [['set', 'days', '30.5'], /days cannot be "30\.5"/],
      [['set', 'acme-port', '70000'], /acme-port cannot be 70000\n {2}→ acme-port takes a whole number from 0 to 65535/],
      [['set', 'shell-profile', 'yes'], /shell-profile takes true or false/],
      [['get', 'colour'], /"colour" is not a localcert preference/],
      [['unset', 'colour'], /"colour" is not a localcert preference/],
    ]
    for (const [args, message] of cases) {
      const result = await config(args)
      expect(result.code, args.join(' ')).toBe(1)
      expect(result.stderr, args.join(' ')).toMatch(message)
      expect(readFileSync(file, 'utf8'), args.join(' ')).toBe(saved)
    }
    const json = JSON.parse((await config(['set', 'days', '0', '--json'])).stdout)
    expect(json.error).toMatchObject({code: 'INVALID_PREFERENCE', hint: expect.stringContaining('1 to 825')})
  })

  it('cert uses key-type and days from the preferences; its flags win', async () => {
    expect((await config(['set', 'key-type', 'rsa'])).code).toBe(0)
    expect((await config(['set', 'days', '30'])).code).toBe(0)
    const preferred = await cli(['cert', 'app.localhost'], {home, cwd: work})
    expect(preferred.code, preferred.stderr).toBe(0)
    expect(await leaf(path.join(work, 'app.localhost.pem'))).toEqual({algorithm: 'rsaEncryption', days: 30})

    const flagged = await cli(['cert', '--key-type', 'ecdsa', '--days', '7', '--cert-file', 'flag.pem', '--key-file', 'flag-key.pem', 'app.localhost'], {home, cwd: work})
    expect(flagged.code, flagged.stderr).toBe(0)
    expect(await leaf(path.join(work, 'flag.pem'))).toEqual({algorithm: 'id-ecPublicKey', days: 7})
  })

  it('serve listens on acme-port; --port wins', async () => {
    const port = await freePort()
    expect((await config(['set', 'acme-port', String(port)])).code).toBe(0)
    const preferred = await serveEndpoint(home, {args: ['--json']})
    try {
      expect(preferred.directoryUrl).toBe(`https://localhost:${port}/directory`)
      const directory = await fetchTrusting(preferred.directoryUrl.replace('localhost', '127.0.0.1'), readFileSync(preferred.rootFile, 'utf8'), {servername: 'localhost'})
      expect(directory.body).toContain('newOrder')
    } finally {
      await preferred.stop()
    }
    const flagged = await serveEndpoint(home, {args: ['--port', '0', '--json']})
    await flagged.stop()
    expect(flagged.directoryUrl).not.toContain(`:${port}/`)
  })

  it('trust install adds the shell-profile line when shell-profile is true, and not with --no-shell-profile', async () => {
    const userHome = path.join(work, 'user')
    const env = {HOME: userHome, SHELL: '/bin/bash', XDG_CONFIG_HOME: '', ZDOTDIR: ''}
    const bashrc = path.join(userHome, '.bashrc')
    expect((await cli(['setup', '--no-trust'], {home, env})).code).toBe(0)
    expect((await config(['set', 'shell-profile', 'true'])).code).toBe(0)
    const flagged = await cli(['trust', 'install', '--stores', 'runtimes', '--no-shell-profile', '--json'], {home, env})
    expect(flagged.code, flagged.stderr).toBe(0)
    expect(existsSync(bashrc) ? readFileSync(bashrc, 'utf8') : '').not.toContain('# added by localcert')
    const preferred = await cli(['trust', 'install', '--stores', 'runtimes', '--json'], {home, env})
    expect(preferred.code, preferred.stderr).toBe(0)
    expect(readFileSync(bashrc, 'utf8').split('\n').filter((line) => line.endsWith('# added by localcert'))).toHaveLength(1)
    expect((await cli(['trust', 'uninstall', '--stores', 'runtimes'], {home, env})).code).toBe(0)
    expect(readFileSync(bashrc, 'utf8')).not.toContain('# added by localcert')
  })

  it.skipIf(!runsAsRoot('setup with shell-profile') || !hasTools('setup with shell-profile', 'update-ca-certificates'))('setup adds the shell-profile line when shell-profile is true (real system store, left as it was)', async () => {
    const release = await holdSystemTrust()
    const before = snapshotSystemTrust()
    const userHome = path.join(work, 'user')
    const env = {HOME: userHome, SHELL: '/bin/bash', XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', ZDOTDIR: ''}
    const bashrc = path.join(userHome, '.bashrc')
    let after = before
    let rows: Array<{store: string; location: string; status: string}> = []
    try {
      expect((await config(['set', 'shell-profile', 'true'])).code).toBe(0)
      const setup = await cli(['setup', '--json'], {home, env})
      expect(setup.code, setup.stderr).toBe(0)
      rows = JSON.parse(setup.stdout).trust
      expect(readFileSync(bashrc, 'utf8').split('\n').filter((line) => line.endsWith('# added by localcert'))).toHaveLength(1)
    } finally {
      const uninstall = await cli(['uninstall', '--yes'], {home, env})
      // safety net when something failed half-way: the system store is the machine's, not the test's
      if (uninstall.code !== 0 && existsSync(path.join(home, 'ca', 'root.pem'))) {
        await uninstallRoot(parseRoot(readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8'), 'test root'), {localcertHome: home, stores: ['system'], interactive: false})
      }
      after = snapshotSystemTrust()
      await release()
    }
    expect(rows).toContainEqual({store: 'runtimes', location: `${bashrc} (bash profile)`, status: 'installed'})
    expect(readFileSync(bashrc, 'utf8')).not.toContain('# added by localcert')
    expect(after).toBe(before)
  }, 300_000) // the machine-wide lock may be held by another run's system-store tests for a while

  it('a hand-edited bad value stops cert with the file named and how to fix it; config unset repairs it', async () => {
    mkdirSync(home, {recursive: true, mode: 0o700})
    writeFileSync(file, JSON.stringify({days: 'ninety', 'key-type': 'rsa', future: 1}))
    const refused = await cli(['cert', 'app.localhost'], {home, cwd: work})
    expect(refused.code).toBe(1)
    expect(refused.stderr).toContain(`days cannot be "ninety" (in ${file})`)
    expect(refused.stderr).toContain('`localcert config unset days`')
    expect(existsSync(path.join(work, 'app.localhost.pem'))).toBe(false)
    expect((await config(['unset', 'days'])).code).toBe(0)
    // a key this version does not know (a newer localcert wrote it) is kept and ignored
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({'key-type': 'rsa', future: 1})
    expect((await cli(['cert', 'app.localhost'], {home, cwd: work})).code).toBe(0)

    writeFileSync(file, '{not json')
    const broken = await config(['list'])
    expect(broken.stderr).toContain(`${file} is not a JSON object of preferences\n  → fix it by hand, or delete it (\`rm ${file}\`)`)
  })

  it('conf (~190 ms to import) is loaded by config set only: never by cert, status, env, --version, config get or list', async () => {
    // every module file the CLI loads, recorded by a resolve hook; conf is bundled, so its code is looked for by a string only it has
    const hook = path.join(work, 'record.mjs')
    writeFileSync(hook, `import {register} from 'node:module'\nregister('data:text/javascript,' + encodeURIComponent(\`import {appendFileSync} from 'node:fs'\nexport async function resolve(specifier, context, next) { const result = await next(specifier, context); appendFileSync(process.env.RECORD, result.url + '\\\\n'); return result }\`))\n`)
    const loadsConf = async (args: string[]) => {
      const record = path.join(work, 'loaded.txt')
      writeFileSync(record, '')
      const result = await cli(args, {home, cwd: work, env: {NODE_OPTIONS: `--import ${hook}`, RECORD: record}})
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0)
      const files = readFileSync(record, 'utf8').split('\n').filter((url) => url.startsWith('file:')).map((url) => fileURLToPath(url))
      expect(files.length).toBeGreaterThan(1)
      return files.some((loaded) => readFileSync(loaded, 'utf8').includes('Config schema violation'))
    }
    expect(await loadsConf(['config', 'set', 'days', '30']), 'the control: config set does load conf').toBe(true)
    for (const args of [['cert', 'app.localhost'], ['status'], ['env'], ['--version'], ['config', 'get', 'days'], ['config', 'list']]) {
      expect(await loadsConf(args), args.join(' ')).toBe(false)
    }
    rmSync(path.join(work, 'loaded.txt'))
  })
})

