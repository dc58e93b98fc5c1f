import {existsSync, readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {fetchTrusting, startDevServer} from '../support/dev-server.js'
import {ROOT, sh, tempDir} from '../support/env.js'
import {linkBins, scratchProject} from '../support/project.js'
import {readmeBlocks, shellCommands, withoutComment, type ReadmeBlock} from '../support/readme.js'
import {hasTools} from '../support/tools.js'
import {holdSystemTrust, runsAsRoot, snapshotSystemTrust} from '../trust/support/real.js'

// Every shell line of the README, run in order as a new user would paste it: `localcert` installed from the packed
// tarball and on PATH, a fresh $HOME and LOCALCERT_HOME, as root on the real machine (system store, JDK, NSS in
// $HOME), which must be exactly as before at the end. What cannot run here is listed below with the reason, and a
// line of the README that is neither run nor listed fails the test, as does a listed line the README no longer has.

/** Lines that cannot run on this machine as written, and why. */
const NOT_HERE: Record<string, string> = {
  'npm install -g localcert': 'installs from the registry; the suite installs the packed tarball the same way (test/support/project.ts)',
  'npm ci && npm run build && ./bin/run.js setup --yes && ./bin/run.js cert app.localhost': 'builds a clone: npm test is that build, and `localcert setup`/`cert` run below',
  'localcert setup --yes --machine': 'Windows only (LocalMachine\\Root): tested at the boundary in test/trust/boundary-macos-windows.test.ts',
  'localcert setup --system-keychain': 'macOS only: tested at the boundary in test/trust/boundary-macos-windows.test.ts',
  'localcert env --shell powershell | Invoke-Expression': 'PowerShell is not on Debian; the text it evaluates is parsed strictly and compared with bash, fish and --json in test/cli/env.test.ts',
  'localcert service install --port 8555': 'needs a systemd --user session, which this machine has none of: test/service runs it against a fake systemctl',
  'localcert service status': 'needs a systemd --user session (test/service)',
  'localcert service uninstall': 'needs a systemd --user session (test/service)',
  'npm ci': 'the repository’s own install (needs the registry): .ci/run does it before this suite',
  'npm test': 'this suite',
  'npm run bench': 'the benchmark: minutes of load, never part of the suite',
  'localcert doctor --browser': 'opens the desktop browser, which this machine has none of: test/cli/doctor-browser.test.ts runs it with headless Chromium as $BROWSER',
  'npm pack': 'packs a clone: the suite packs once per run (test/support/global-setup.ts)',
  'npx --yes --package ./localcert-0.1.0.tgz localcert setup --no-trust': 'test/package/npx.test.ts runs it with the tarball of this run, from an empty directory and HOME',
  'npx --yes --package ./localcert-0.1.0.tgz localcert cert app.localhost': 'test/package/npx.test.ts runs it and verifies the chain with openssl',
  'localcert rotate --root --yes --reissue': 'replaces the root in every real store in the middle of the walk-through, after which later lines would test another CA: test/cli/rotate-root.test.ts runs it end to end against the same real stores, checked between the steps',
}

/** Lines run with a change a non-interactive run needs, and why. */
const RUN_AS: Record<string, {command: string; why: string}> = {
  'localcert uninstall': {command: 'localcert uninstall --yes', why: 'asks first on a terminal; the README says --yes without one'},
  // exit code 1 is doctor's answer (here: the walk-through's own state, e.g. api.test issued above and not in the hosts file); anything else is a crash
  'localcert doctor': {command: 'localcert doctor || [ $? -eq 1 ]', why: 'exits 1 when a check fails, which the walk-through causes on purpose'},
  'localcert doctor --json': {command: `localcert doctor --json > doctor.json || [ $? -eq 1 ]; node -e 'JSON.parse(require("fs").readFileSync("doctor.json", "utf8")).checks.length || process.exit(2)'`, why: 'exits 1 when a check fails; its JSON must parse and hold the checks'},
  'localcert doctor --no-system --stores nss,runtimes': {command: 'localcert doctor --no-system --stores nss,runtimes || [ $? -eq 1 ]', why: 'exits 1 when a check fails, which the walk-through causes on purpose'},
}

/** Long-running commands: started, checked to be serving, stopped. */
const SERVES = /^localcert serve\b/
const DIRECTORY_URL = /https:\/\/\S+\/directory/

/** Blocks that need another program running, as the README says ("Then, in another shell"). */
const NEEDS_SERVE = (block: ReadmeBlock) => block.text.includes('$ACME_DIRECTORY_URL')

interface Outcome {
  line: number
  command: string
  code: number
  output: string
}

let project: string
let env: NodeJS.ProcessEnv
/** Where localcert keeps its state for a user with this HOME and no LOCALCERT_HOME: the default a new user gets. */
let localcertHome: string
let before = ''
let hostsBefore: Buffer | undefined
let release: (() => Promise<void>) | undefined

/** Runs one README command in bash (fish for `| source`), carrying exported variables from one command to the next. */
async function runLine(command: string): Promise<{code: number; output: string}> {
  const state = path.join(project, '.readme-env.sh')
  if (/\|\s*source\s*$/.test(command)) {
    const result = await sh('fish', ['-c', command], {cwd: project, env})
    return {code: result.code, output: result.stdout + result.stderr}
  }
  const script = `set -eo pipefail\n[ -f ${state} ] && . ${state}\n${command}\nexport -p > ${state}\n`
  const result = await sh('bash', ['-c', script], {cwd: project, env})
  return {code: result.code, output: result.stdout + result.stderr}
}

/** Starts a long-running command, waits until it serves (its directory answers), and returns how to stop it. */
async function startServe(command: string): Promise<() => Promise<unknown>> {
  const server = await startDevServer('bash', ['-c', `exec ${command}`], {cwd: project, env, readyWhen: DIRECTORY_URL, timeoutMs: 30_000})
  const url = DIRECTORY_URL.exec(server.output())![0].replace(/[",]+$/, '')
  const directory = await sh('curl', ['-sf', '--cacert', path.join(localcertHome, 'ca', 'root.pem'), '--connect-to', 'localhost::127.0.0.1:', url])
  if (directory.code !== 0 || !directory.stdout.includes('newOrder')) throw new Error(`\`${command}\` printed ${url}, which does not answer a directory: ${directory.stderr}`)
  return server.stop
}

/** What a user has at hand before the README asks for it: a CSR and a team root to trust. */
async function userFiles(dir: string): Promise<void> {
  const csr = await sh('openssl', ['req', '-new', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'app-csr-key.pem', '-subj', '/CN=app.localhost', '-addext', 'subjectAltName=DNS:app.localhost', '-out', 'app.csr'], {cwd: dir})
  const team = await sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'team-key.pem', '-subj', '/CN=Team Dev Root', '-days', '30', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-out', 'team-root.pem'], {cwd: dir})
  if (csr.code || team.code) throw new Error(csr.stderr + team.stderr)
}

// the framework recipes start dev servers: test/frameworks runs each of them
const shellBlocks = () => readmeBlocks().filter((block) => block.lang === 'sh' && !block.marker?.startsWith('recipe:'))

describe.skipIf(!runsAsRoot('README walk-through') || !hasTools('README walk-through', 'openssl', 'certutil', 'keytool', 'certbot', 'lego', 'fish', 'curl'))('the README, pasted line by line', () => {
  beforeAll(async () => {
    release = await holdSystemTrust()
    before = snapshotSystemTrust()
    hostsBefore = readFileSync('/etc/hosts')
    project = await scratchProject()
    // what npm does for a package's "bin": the command on PATH (global install) and for npx (local install)
    linkBins(project, ['localcert'])
    const home = tempDir('localcert-readme-home-')
    localcertHome = path.join(home, '.local', 'share', 'localcert')
    env = {HOME: home, LOCALCERT_HOME: undefined, PATH: `${path.join(project, 'node_modules', '.bin')}:${process.env.PATH}`, XDG_DATA_HOME: undefined, XDG_CONFIG_HOME: undefined, NO_COLOR: '1'}
    await userFiles(project)
  })

  afterAll(async () => {
    try {
      // whatever happened above, leave the machine as it was
      if (env && existsSync(localcertHome)) await sh('localcert', ['uninstall', '--yes', '--force'], {cwd: project, env})
      if (before) expect(snapshotSystemTrust()).toBe(before)
      // `localcert hosts add` ran for real; the README's uninstall takes the block out again
      if (hostsBefore) expect(readFileSync('/etc/hosts').equals(hostsBefore), '/etc/hosts is as it was').toBe(true)
    } finally {
      await release?.()
    }
  })

  it('runs every shell line in order, and each succeeds', async () => {
    const failed: Outcome[] = []
    const ran: string[] = []
    for (const block of shellBlocks()) {
      const stopServe = NEEDS_SERVE(block) ? await startServe('localcert serve --port 0') : undefined
      for (const {command: full, line} of shellCommands(block)) {
        const command = withoutComment(full)
        if (command in NOT_HERE) continue
        const actual = RUN_AS[command]?.command ?? command
        ran.push(command)
        if (SERVES.test(actual)) {
          try {
            await (await startServe(actual))()
          } catch (error) {
            failed.push({line, command: actual, code: -1, output: (error as Error).message})
          }
          continue
        }
        const started = Date.now()
        const result = await runLine(actual)
        if (process.env.README_TRACE) process.stderr.write(`${Date.now() - started} ms ${result.code} ${actual}\n`)
        if (result.code !== 0) failed.push({line, command: actual, ...result})
      }
      await stopServe?.()
    }
    expect(failed.map((f) => `README.md:${f.line}: \`${f.command}\` exited ${f.code}\n${f.output.trim().split('\n').slice(-8).join('\n')}`)).toEqual([])
    expect(ran.length).toBeGreaterThan(40)
    // the walk-through really did what the README says: the Quick start's files, and a certificate from each ACME client
    for (const file of ['app.localhost+4.pem', 'app.localhost+4-key.pem', 'app.pem', 'app.localhost.p12', 'tls.crt', 'tls.key', '.certbot/config/live/app.localhost/fullchain.pem', '.lego/certificates/app.localhost.crt']) {
      expect(existsSync(path.join(project, file)), file).toBe(true)
    }
    expect(existsSync(localcertHome), 'uninstall removed the CA').toBe(false)
  }, 600_000)

  it('lists only lines the README has', () => {
    const lines = new Set(shellBlocks().flatMap((block) => shellCommands(block).map(({command}) => withoutComment(command))))
    expect([...Object.keys(NOT_HERE), ...Object.keys(RUN_AS)].filter((command) => !lines.has(command))).toEqual([])
  })
})

/** Makes any `.listen(port)` of a snippet take a free port instead and report it, so snippets run as pasted, side by side. */
const ANY_PORT = `
import net from 'node:net'
const listen = net.Server.prototype.listen
net.Server.prototype.listen = function (...args) {
  if (typeof args[0] === 'number' || (typeof args[0] === 'string' && /^\\d+$/.test(args[0]))) args[0] = 0
  else if (args[0] && typeof args[0] === 'object' && 'port' in args[0]) args[0] = {...args[0], port: 0}
  this.once('listening', () => process.stderr.write('LISTENING ' + this.address().port + '\\n'))
  return listen.apply(this, args)
}
`

describe('the README’s Node snippets', () => {
  // blocks with a marker belong to the test that finds them by it (framework recipes, the ACME boot recipe)
  const snippets = readmeBlocks().filter((block) => /^(ts|js|mjs)$/.test(block.lang) && !block.marker)

  it.each(snippets.map((block) => [block.line, block] as const))('README.md:%i runs as pasted and serves HTTPS trusted by the root alone', async (_line, block) => {
    const project = await scratchProject()
    const home = tempDir('localcert-snippet-home-')
    const {transform} = await import('esbuild')
    const {code} = await transform(block.text, {loader: 'ts', format: 'esm', target: 'node20'})
    writeFileSync(path.join(project, 'snippet.mjs'), code)
    writeFileSync(path.join(project, 'any-port.mjs'), ANY_PORT)
    const snippet = await startDevServer(process.execPath, ['--import', './any-port.mjs', 'snippet.mjs'], {cwd: project, env: {LOCALCERT_HOME: home}, readyWhen: /LISTENING \d+/})
    const port = Number(/LISTENING (\d+)/.exec(snippet.output())![1])
    const root = readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8')
    const answer = await fetchTrusting(`https://127.0.0.1:${port}/`, root, {servername: 'app.localhost'})
    expect(answer.status).toBe(200)
    expect(answer.body).not.toBe('')
    await snippet.stop()
  })

  it('runs at least one, and no unmarked Node block escapes it under another fence name (cjs, javascript, tsx…)', () => {
    expect(snippets.length).toBeGreaterThan(0)
    const node = readmeBlocks().filter((block) => /^([cm]?js|[cm]?ts|jsx|tsx|javascript|typescript|node)$/i.test(block.lang) && !block.marker)
    expect(node.map((block) => `README.md:${block.line} (${block.lang})`)).toEqual(snippets.map((block) => `README.md:${block.line} (${block.lang})`))
  })

  it('every marked block is found by a test', () => {
    // every test source, skipping the fixture project's node_modules (hundreds of MB)
    const sources = (dir: string): string[] => readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
      const full = path.join(dir, entry.name)
      if (entry.isDirectory()) return entry.name === 'node_modules' ? [] : sources(full)
      return entry.name.endsWith('.ts') ? [full] : []
    })
    const tests = sources(path.join(ROOT, 'test')).map((file) => readFileSync(file, 'utf8')).join('\n')
    const orphans = readmeBlocks().filter((block) => {
      const name = block.marker?.replace(/^recipe: /, '')
      return name && ![`readmeRecipe('${name}')`, `startRecipe('${name}'`, `recipes.start('${name}'`, `readmeBlock('${block.marker}')`].some((call) => tests.includes(call))
    })
    expect(orphans.map((block) => `README.md:${block.line} <!-- ${block.marker} -->`)).toEqual([])
  })
})
