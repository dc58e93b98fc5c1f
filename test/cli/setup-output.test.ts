import {copyFileSync, mkdirSync, readFileSync, realpathSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, cli, ROOT, sh, tempDir, type CliResult} from '../support/env.js'
import {hasTools} from '../support/tools.js'

// What a person sees from `localcert setup` (and the other tables): plain lines into a pipe, colour only where asked
// for or on a terminal, and nothing wider than the terminal (100 columns without one). The real CLI, as a subprocess.

const ESC = '\x1b'
const lines = (text: string) => text.split('\n')
const widest = (text: string) => Math.max(...lines(text).map((line) => line.length))
/** What a terminal shows: colour codes and carriage returns removed. */
const visible = (text: string) => text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '')
const fresh = () => path.join(tempDir('localcert-setup-output-'), 'state')
const noColour = {NO_COLOR: undefined, FORCE_COLOR: undefined, COLUMNS: undefined}

describe('localcert setup output (built CLI)', () => {
  it('into a pipe: a plan before anything is created, a ✓ line per step on stderr, no escape code anywhere, nothing past 100 columns', async () => {
    const setup = await cli(['setup', '--no-trust'], {home: fresh(), env: noColour})
    expect(setup.code, setup.stderr).toBe(0)
    expect(setup.stdout + setup.stderr).not.toContain(ESC)
    const [plan, created] = lines(setup.stderr)
    expect(plan).toMatch(/^Plan: create a local CA in .+\.$/)
    expect(created).toMatch(/^✓ CA +created: ECDSA root SHA256 [0-9a-f]{16}…, valid until \d{4}-\d\d-\d\d$/)
    expect(widest(setup.stdout)).toBeLessThanOrEqual(100)
    expect(widest(setup.stderr)).toBeLessThanOrEqual(100)
  })

  it('names bare localhost among the names the root allows, and wraps that line under itself on 80 columns', async () => {
    const setup = await cli(['setup', '--no-trust', '--allow-domain', 'dev.example.com'], {home: fresh(), env: {...noColour, COLUMNS: '80'}})
    expect(setup.code, setup.stderr).toBe(0)
    const at = lines(setup.stdout).findIndex((line) => line.startsWith('  names:       '))
    const names = lines(setup.stdout).slice(at, at + 3).filter((line, index) => index === 0 || line.startsWith(' '.repeat(15))).map((line) => line.slice(15)).join(' ')
    expect(names.split(', ').slice(0, 3)).toEqual(['localhost', '*.localhost', '*.test'])
    expect(names).toContain('dev.example.com, *.dev.example.com')
    expect(names).toContain('fc00::/7')
    expect(widest(setup.stdout)).toBeLessThanOrEqual(80)
    expect(lines(setup.stdout).length).toBeGreaterThan(at + 1)
  })

  it('colours with FORCE_COLOR=1 even into a pipe, and never with NO_COLOR (which wins over FORCE_COLOR)', async () => {
    const forced = await cli(['setup', '--no-trust'], {home: fresh(), env: {...noColour, FORCE_COLOR: '1'}})
    expect(forced.code, forced.stderr).toBe(0)
    expect(forced.stderr).toContain(`${ESC}[32m✓`)
    const plain = await cli(['setup', '--no-trust'], {home: fresh(), env: {...noColour, FORCE_COLOR: '1', NO_COLOR: '1'}})
    expect(plain.code, plain.stderr).toBe(0)
    expect(plain.stdout + plain.stderr).not.toContain(ESC)
    // the same lines, only painted (Node itself warns that NO_COLOR beside FORCE_COLOR is ignored: its warning is not ours)
    const ours = (text: string) => lines(text).filter((line) => !/^\((node:\d+|Use `node)/.test(line)).map((line) => line.slice(0, 4))
    expect(ours(visible(forced.stderr))).toEqual(ours(plain.stderr))
  })

  it('keeps --json on stdout exactly JSON (progress stays on stderr)', async () => {
    const setup = await cli(['setup', '--no-trust', '--json'], {home: fresh(), env: {...noColour, FORCE_COLOR: '1'}})
    expect(setup.code, setup.stderr).toBe(0)
    const summary = JSON.parse(setup.stdout)
    expect(summary).toMatchObject({created: true, keyType: 'ecdsa'})
    expect(summary).not.toHaveProperty('trust')
    expect(setup.stdout).not.toContain(ESC)
  })

  it('says that --machine and --system-keychain change nothing on Linux instead of ignoring them silently', async () => {
    const setup = await cli(['setup', '--no-trust', '--machine', '--system-keychain'], {home: fresh(), env: noColour})
    expect(setup.code, setup.stderr).toBe(0)
    expect(setup.stderr).toContain('Note: --machine only applies on Windows (LocalMachine\\Root); on linux it changes nothing.')
    expect(setup.stderr).toContain('Note: --system-keychain only applies on macOS (the System keychain); on linux it changes nothing.')
  })

  it.skipIf(!hasTools('setup on a terminal', 'script', 'stty'))('on an 80-column terminal (a pty): colour, and every line within 80 columns', async () => {
    const home = fresh()
    const run = await sh('script', ['-qec', `stty cols 80 rows 40; ${process.execPath} ${BIN} setup --no-trust --allow-domain a-rather-long-team-domain.dev.example.com`, '/dev/null'], {env: {...noColour, LOCALCERT_HOME: home, CI: 'true'}})
    expect(run.code, run.stdout).toBe(0)
    expect(run.stdout).toContain(ESC)
    expect(visible(run.stdout)).toContain('✓ CA')
    expect(widest(visible(run.stdout))).toBeLessThanOrEqual(80)
  })

  it.each([
    ['serve', 'Run the ACME endpoint (RFC 8555) on loopback'],
    ['doctor', 'Check the stores, runtime variables'],
    ['config list', 'List every preference'],
  ])('%s --help fits 80 columns', async (command, summary) => {
    const help = await cli([...command.split(' '), '--help'], {home: fresh(), env: {...noColour, COLUMNS: '80'}})
    expect(help.code, help.stderr).toBe(0)
    expect(help.stdout).toContain(summary)
    expect(widest(help.stdout)).toBeLessThanOrEqual(80)
  })

  // oclif prints the summary (else the whole description) unwrapped as the first line: every command needs a short one
  const commands = Object.keys((JSON.parse(readFileSync(path.join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: object}).commands)
  it.each(commands)('%s --help fits 80 columns', async (id) => {
    const help = await cli([...id.split(':'), '--help'], {home: fresh(), env: {...noColour, COLUMNS: '80'}})
    expect(help.code, help.stderr).toBe(0)
    expect(widest(help.stdout), help.stdout).toBeLessThanOrEqual(80)
  })
})

describe.skipIf(!hasTools('trust table widths', 'keytool'))('trust tables fit the terminal (built CLI)', () => {
  /** A JDK home deep enough that its cacerts row alone is far wider than any terminal. */
  function deepJdk(): string {
    const jdk = path.join(tempDir('localcert-wide-'), 'opt', 'vendors', 'eclipse-adoptium', 'temurin-21.0.5+11-jdk-with-a-long-build-name')
    const cacerts = path.join(jdk, 'lib', 'security', 'cacerts')
    mkdirSync(path.dirname(cacerts), {recursive: true})
    copyFileSync(realpathSync('/etc/ssl/certs/java/cacerts'), cacerts)
    return jdk
  }

  async function status(env: NodeJS.ProcessEnv): Promise<CliResult> {
    const home = fresh()
    await cli(['setup', '--no-trust'], {home})
    return cli(['trust', 'status', '--java-home', deepJdk()], {home, env: {...noColour, HOME: path.dirname(home), ...env}})
  }

  it('wraps the Java row (long cacerts path and its hint) within 80 columns with COLUMNS=80, and within 100 without', async () => {
    const narrow = await status({COLUMNS: '80'})
    expect(narrow.stdout).toContain('STORE')
    expect(narrow.stdout).toContain('temurin-21.0.5+11-jdk')
    expect(widest(narrow.stdout)).toBeLessThanOrEqual(80)
    const wide = await status({})
    expect(widest(wide.stdout)).toBeLessThanOrEqual(100)
    expect(widest(wide.stdout)).toBeGreaterThan(80)
    // wrapping loses nothing: every word of the Java row is still there
    const words = (text: string) => visible(text).replace(/\s+/g, '')
    expect(words(narrow.stdout)).toContain('lib/security/cacerts')
    expect(words(narrow.stdout).length).toBe(words(wide.stdout).length)
  })
})
