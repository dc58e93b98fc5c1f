import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, cli, sh, tempDir} from '../support/env.js'
import {serveEndpoint} from '../support/serve.js'
import {hasTools} from '../support/tools.js'

// `localcert env` through the built CLI, its output sourced by real bash and fish (PowerShell, which Debian does not
// ship, is parsed instead). The state directory has a space and a quote in its path, so every shell's quoting counts.

const TRUST_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'DENO_CERT', 'SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO']
const ACME_VARIABLES = ['ACME_DIRECTORY_URL', 'ACME_KID', 'ACME_HMAC_KEY']

/** None of the trust variables this machine may have set: those name CAs `localcert env` would keep (env-corporate.test.ts). */
const NO_TRUST_VARIABLES = Object.fromEntries(TRUST_VARIABLES.map((name) => [name, undefined]))

/** A state directory with a CA in it (`setup --no-trust`), under a path that needs quoting in every shell. */
async function homeWithCa(): Promise<{home: string; rootPem: string}> {
  const home = path.join(tempDir('localcert-env-'), "dev's state dir")
  const setup = await cli(['setup', '--no-trust', '--json'], {home, env: NO_TRUST_VARIABLES})
  expect(setup.code, setup.stderr).toBe(0)
  return {home, rootPem: readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8').trim()}
}

/** The variables a shell really has after sourcing `code`, in an environment that starts empty. */
async function sourcedBy(shell: 'bash' | 'fish', code: string): Promise<Record<string, string>> {
  const dir = tempDir('localcert-env-shell-')
  const file = path.join(dir, `env.${shell}`)
  writeFileSync(file, code)
  const args = shell === 'bash' ? ['bash', '--norc', '--noprofile', '-c', 'source "$1" && env', 'bash', file] : ['fish', '--no-config', '-c', 'source $argv[1]; and env', file]
  const result = await sh('env', ['-i', `PATH=${process.env.PATH}`, `HOME=${dir}`, `XDG_CONFIG_HOME=${dir}`, `XDG_DATA_HOME=${dir}`, ...args])
  expect(result.code, result.stderr).toBe(0)
  const ours = [...TRUST_VARIABLES, ...ACME_VARIABLES]
  return Object.fromEntries(result.stdout.split('\n').map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]).filter(([name]) => ours.includes(name!)))
}

/** PowerShell output, read strictly: only `# comment` lines and `$env:NAME = '<value with '' for '>'` lines. */
function parsePowershell(code: string): Record<string, string> {
  const variables: Record<string, string> = {}
  for (const line of code.trimEnd().split('\n')) {
    if (line.startsWith('# ')) continue
    const match = line.match(/^\$env:([A-Z_]+) = '((?:[^']|'')*)'$/)
    expect(match, `not a PowerShell assignment: ${line}`).not.toBeNull()
    variables[match![1]!] = match![2]!.replace(/''/g, "'")
  }
  return variables
}

async function envOutput(home: string, args: string[]): Promise<string> {
  const result = await cli(['env', ...args], {home, env: NO_TRUST_VARIABLES})
  expect(result.code, result.stderr).toBe(0)
  return result.stdout
}

describe.skipIf(!hasTools('localcert env through the CLI', 'bash', 'fish', 'curl', 'env'))('localcert env (built CLI)', () => {
  it('bash, fish, PowerShell and --json give the same variables, each naming a file that exists and holds the root; no ACME variable before any serve', async () => {
    const {home, rootPem} = await homeWithCa()
    const json = JSON.parse(await envOutput(home, ['--json']))
    const bash = await sourcedBy('bash', await envOutput(home, ['--shell', 'bash']))
    const fish = await sourcedBy('fish', await envOutput(home, ['--shell', 'fish']))
    const powershell = parsePowershell(await envOutput(home, ['--shell', 'powershell']))

    const roots = path.join(home, 'trust', 'roots.pem')
    const bundle = path.join(home, 'trust', 'bundle.pem')
    const expected = {NODE_EXTRA_CA_CERTS: roots, DENO_CERT: roots, SSL_CERT_FILE: bundle, REQUESTS_CA_BUNDLE: bundle, CURL_CA_BUNDLE: bundle, GIT_SSL_CAINFO: bundle}
    expect(json.variables).toEqual(expected)
    expect(json.files).toEqual({roots, bundle})
    expect(bash).toEqual(expected)
    expect(fish).toEqual(expected)
    expect(powershell).toEqual(expected)

    // roots.pem is our root alone (it adds to a runtime's list); the bundle is the system's plus our root (it replaces it)
    expect(readFileSync(roots, 'utf8').trim()).toBe(rootPem)
    const bundleText = readFileSync(bundle, 'utf8')
    expect(bundleText).toContain(rootPem)
    expect(bundleText.match(/BEGIN CERTIFICATE/g)!.length).toBeGreaterThan(10)
    for (const file of Object.values(expected)) expect(existsSync(file)).toBe(true)
  })

  it('the ACME variables (and LEGO_CA_CERTIFICATES) are set only while a serve runs, exactly as serve prints them; after SIGTERM, and after a SIGKILL that leaves endpoint.json behind, they are gone and a comment says why', async () => {
    const {home} = await homeWithCa()
    const acmeOf = async () => {
      const {variables, hints, fromFiles} = JSON.parse(await envOutput(home, ['--json']))
      return {acme: Object.fromEntries(ACME_VARIABLES.filter((name) => name in variables).map((name) => [name, variables[name]])), hints: hints as string[], variables, fromFiles: fromFiles as Record<string, string>}
    }
    const notRunning = 'the ACME endpoint is not running, so no ACME variable is set: start it with `localcert serve` (or `localcert service install`)'

    const running = await serveEndpoint(home)
    const whileRunning = await acmeOf()
    // the HMAC key is a secret: --json names the 0600 file that holds it, never the key
    expect(whileRunning.acme).toEqual({ACME_DIRECTORY_URL: running.directoryUrl, ACME_KID: running.kid})
    expect(whileRunning.fromFiles).toEqual({ACME_HMAC_KEY: path.join(home, 'acme', 'eab-hmac.key')})
    expect(readFileSync(whileRunning.fromFiles.ACME_HMAC_KEY!, 'utf8')).toBe(running.hmacKey)
    expect(whileRunning.variables.LEGO_CA_CERTIFICATES).toBe(path.join(home, 'trust', 'roots.pem'))
    // one definition for both commands: serve's --json env is what env prints
    expect(JSON.parse(running.stdout()).env).toEqual(whileRunning.variables)
    // sourcing sets the key (the shell reads its file) though the output never holds it
    const bashCode = await envOutput(home, ['--shell', 'bash'])
    expect(bashCode).not.toContain(running.hmacKey)
    expect(await sourcedBy('bash', bashCode)).toMatchObject({ACME_DIRECTORY_URL: running.directoryUrl, ACME_KID: running.kid, ACME_HMAC_KEY: running.hmacKey})
    expect(await sourcedBy('fish', await envOutput(home, ['--shell', 'fish']))).toMatchObject({ACME_HMAC_KEY: running.hmacKey})
    expect(await running.stop('SIGTERM')).toBe(0)

    const stopped = await acmeOf()
    expect(stopped.acme).toEqual({})
    expect(stopped.variables).not.toHaveProperty('LEGO_CA_CERTIFICATES')
    expect(stopped.hints).toContain(notRunning)
    expect(await envOutput(home, ['--shell', 'bash'])).toContain(`# ${notRunning}\n`)

    const killed = await serveEndpoint(home)
    await killed.stop('SIGKILL')
    expect(existsSync(path.join(home, 'acme', 'endpoint.json'))).toBe(true)
    expect((await acmeOf()).acme).toEqual({})
  })

  it('with nothing but `eval "$(localcert env)"`, curl reaches the running endpoint at $ACME_DIRECTORY_URL over HTTPS, trusting our root', async () => {
    const {home} = await homeWithCa()
    const endpoint = await serveEndpoint(home)
    try {
      const script = 'eval "$("$NODE" "$LOCALCERT_BIN" env --shell bash)" && curl -sS --fail "$ACME_DIRECTORY_URL"'
      const result = await sh('env', ['-i', `PATH=${process.env.PATH}`, `HOME=${tempDir()}`, `LOCALCERT_HOME=${home}`, `NODE=${process.execPath}`, `LOCALCERT_BIN=${BIN}`, 'bash', '--norc', '--noprofile', '-c', script])
      expect(result.code, result.stderr).toBe(0)
      expect(JSON.parse(result.stdout)).toMatchObject({newOrder: endpoint.directoryUrl.replace(/\/directory$/, '/acme/new-order'), meta: {externalAccountRequired: true}})
    } finally {
      expect(await endpoint.stop()).toBe(0)
    }
  })
})
