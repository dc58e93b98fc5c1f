import {beforeAll, describe, expect, it} from 'vitest'
import {installRoot, trustStatus, uninstallRoot, type StoreReport} from '../../src/trust/everywhere.js'
import type {TrustRoot} from '../../src/trust/root.js'
import {withFakeRunner} from '../support/fake-runner.js'
import {FakeMachine, fakeContext} from './support/fake-machine.js'
import {makeCa} from './support/real.js'

// What cannot run here (Keychain, Windows store, WSL interop) is asserted at the boundary: the exact commands,
// against a small simulation of each store so that verification after the change has something real to read.

let root: TrustRoot
let home: string
beforeAll(async () => {
  const ca = await makeCa('boundary')
  root = ca.root
  home = ca.home
})

const LOGIN = '/Users/dev/Library/Keychains/login.keychain-db'
const SYSTEM = '/Library/Keychains/System.keychain'

/** A keychain per path, changed by the `security` commands we send. */
function keychains() {
  const contents = new Map<string, string>([[LOGIN, ''], [SYSTEM, '']])
  return (command: string, args: string[]) => {
    const words = command === 'sudo' ? args.slice(args.indexOf('--') + 1) : [command, ...args]
    if (words[0] !== 'security') return undefined
    const keychain = words[words.length - 1]!
    if (words[1] === 'find-certificate') return {stdout: contents.get(keychain) ?? ''}
    if (words[1] === 'add-trusted-cert') contents.set(words[words.indexOf('-k') + 1]!, root.pem)
    if (words[1] === 'delete-certificate') contents.set(keychain, '')
    if (words[1] === 'remove-trusted-cert' && !Object.values(Object.fromEntries(contents)).some(Boolean)) return {exitCode: 1, stderr: 'SecTrustSettingsRemoveTrustSettings: No Trust Settings were found.'}
    return undefined
  }
}

function statuses(rows: StoreReport[]) {
  return rows.map((row) => `${row.location}: ${row.status}`)
}

describe('macOS Keychain (boundary)', () => {
  const machine = new FakeMachine(['security', 'sudo'])
  const mac = (init: {uid?: number; interactive?: boolean; systemKeychain?: boolean} = {}) =>
    fakeContext(machine, {platform: 'darwin', homeDir: '/Users/dev', localcertHome: home, uid: 1000, interactive: true, ...init})

  it('trusts the root in the login keychain without sudo, then checks it with security verify-cert', async () => {
    let rows: StoreReport[] = []
    const commands = await withFakeRunner(keychains(), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['keychain'], context: mac()})
    })
    expect(commands).toEqual([
      `security find-certificate -a -p ${LOGIN}`,
      `security add-trusted-cert -r trustRoot -p ssl -p basic -k ${LOGIN} <root.pem>`,
      `security find-certificate -a -p ${LOGIN}`,
      'security verify-cert -c <root.pem> -p ssl -l -L',
    ])
    expect(statuses(rows)).toEqual([`login keychain (${LOGIN}): installed`, `System keychain (${SYSTEM}): skipped`])
    expect(rows[1]!.hint).toContain('--system-keychain')
  })

  it('uses sudo and the admin trust domain for --system-keychain, and says why before sudo asks', async () => {
    const lines: string[] = []
    const commands = await withFakeRunner(keychains(), async () => {
      await installRoot(root, {localcertHome: home, stores: ['keychain'], context: fakeContext(machine, {platform: 'darwin', homeDir: '/Users/dev', localcertHome: home, uid: 1000, interactive: true, systemKeychain: true, log: (line) => lines.push(line)})})
    })
    expect(commands).toContain(`sudo --prompt=[localcert] password for %u:  -- security add-trusted-cert -d -r trustRoot -p ssl -p basic -k ${SYSTEM} <root.pem>`)
    expect(commands.some((command) => command.includes(LOGIN) && command.includes('add-trusted-cert'))).toBe(false)
    expect(lines[0]).toMatch(/System keychain needs an administrator: running sudo security \(sudo may ask for your password\)/)
  })

  it('uninstall removes the trust settings and then deletes the certificate itself (by SHA-1), in each keychain holding it', async () => {
    const script = keychains()
    let rows: StoreReport[] = []
    const commands = await withFakeRunner(script, async () => {
      await installRoot(root, {localcertHome: home, stores: ['keychain'], context: mac()})
      rows = await uninstallRoot(root, {localcertHome: home, stores: ['keychain'], context: mac()})
    })
    const removal = commands.slice(commands.lastIndexOf('security verify-cert -c <root.pem> -p ssl -l -L') + 1)
    expect(removal).toEqual([
      `security find-certificate -a -p ${LOGIN}`,
      'security remove-trusted-cert <root.pem>',
      `security delete-certificate -Z ${root.sha1} ${LOGIN}`,
      `security find-certificate -a -p ${LOGIN}`,
      `security find-certificate -a -p ${SYSTEM}`,
    ])
    expect(statuses(rows)).toEqual([`login keychain (${LOGIN}): removed`, `System keychain (${SYSTEM}): already-absent`])
  })

  it('explains that macOS needs a confirmation when nobody can give one (CI, SSH)', async () => {
    let rows: StoreReport[] = []
    await withFakeRunner((command, args) => (args[0] === 'add-trusted-cert' ? {exitCode: 1, stderr: 'SecTrustSettingsSetTrustSettings: The authorization was canceled by the user.'} : keychains()(command, args)), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['keychain'], context: mac()})
    })
    expect(rows[0]).toMatchObject({status: 'failed', message: expect.stringContaining('macOS needs you to confirm'), hint: expect.stringContaining('desktop session')})
  })

  it('reports "verification failed" when security verify-cert does not trust the root after add-trusted-cert succeeded', async () => {
    const script = keychains()
    let rows: StoreReport[] = []
    const commands = await withFakeRunner((command, args) => (args[0] === 'verify-cert' ? {exitCode: 1, stdout: 'Cert Verify Result: CSSMERR_TP_NOT_TRUSTED\n'} : script(command, args)), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['keychain'], context: mac()})
    })
    expect(commands).toContain(`security add-trusted-cert -r trustRoot -p ssl -p basic -k ${LOGIN} <root.pem>`)
    expect(commands[commands.length - 1]).toBe('security verify-cert -c <root.pem> -p ssl -l -L')
    expect(rows[0]).toMatchObject({store: 'keychain', location: `login keychain (${LOGIN})`, status: 'failed', message: 'verification failed: security verify-cert does not trust the root: Cert Verify Result: CSSMERR_TP_NOT_TRUSTED'})
  })

  it('says the System keychain needs an administrator\'s confirmation when sudo security cannot get one (errSecInternalComponent, as on CI runners), and never verifies', async () => {
    const script = keychains()
    let rows: StoreReport[] = []
    const commands = await withFakeRunner((command, args) => (command === 'sudo' && args.includes('add-trusted-cert') ? {exitCode: 1, stderr: 'SecTrustSettingsSetTrustSettings: errSecInternalComponent\n'} : script(command, args)), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['keychain'], context: mac({systemKeychain: true})})
    })
    expect(rows.find((row) => row.location.startsWith('System keychain'))).toMatchObject({
      status: 'failed',
      code: 'NEEDS_CONFIRMATION',
      message: 'could not trust the root: macOS needs you to confirm the trust change (password or Touch ID) and nobody could',
      hint: 'run it from a desktop session as an administrator; on CI runners see the README recipe',
    })
    expect(commands.some((command) => command.startsWith('security verify-cert'))).toBe(false)
  })
  it('says the login keychain needs a confirmation when macOS denies it for want of user interaction (SSH, sudo without a GUI)', async () => {
    const script = keychains()
    let rows: StoreReport[] = []
    await withFakeRunner((command, args) => (command === 'security' && args.includes('add-trusted-cert') ? {exitCode: 1, stderr: 'SecTrustSettingsSetTrustSettings: The authorization was denied since no user interaction was possible.\n'} : script(command, args)), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['keychain'], context: mac()})
    })
    expect(rows.find((row) => row.location.startsWith('login keychain'))).toMatchObject({status: 'failed', code: 'NEEDS_CONFIRMATION', hint: 'run it from a desktop session (not over SSH), and approve the dialog'})
  })


  it('finds Firefox profiles with Homebrew certutil and JDKs (including a Homebrew keg) on macOS', async () => {
    const profile = '/Users/dev/Library/Application Support/Firefox/Profiles/k3x.default-release'
    const keg = '/opt/homebrew/opt/openjdk/libexec/openjdk.jdk/Contents/Home'
    const macMachine = new FakeMachine(['security'])
      .file('/opt/homebrew/opt/nss/bin/certutil', '')
      .file('/Users/dev/Library/Application Support/Firefox/profiles.ini', '[Profile0]\nName=default-release\nIsRelative=1\nPath=Profiles/k3x.default-release\n')
      .file(`${profile}/cert9.db`, '')
      .file(`${keg}/lib/security/cacerts`, '')
      .file(`${keg}/bin/keytool`, '')
    let rows: StoreReport[] = []
    const commands = await withFakeRunner(() => undefined, async () => {
      rows = await trustStatus(root, {localcertHome: home, stores: ['nss', 'java'], context: fakeContext(macMachine, {platform: 'darwin', homeDir: '/Users/dev', localcertHome: home, uid: 1000})})
    })
    expect(commands).toContain(`/opt/homebrew/opt/nss/bin/certutil -L -d sql:${profile}`)
    expect(commands).toContain(`${keg}/bin/keytool -J-Duser.language=en -J-Duser.country=US -list -rfc -keystore ${keg}/lib/security/cacerts -storepass changeit`)
    expect(statuses(rows)).toEqual([`${profile} (Firefox profile k3x.default-release): absent`, `${keg}/lib/security/cacerts (openjdk): absent`])
  })
})

/** Windows' Root stores, changed by the certutil.exe commands we send and listed by PowerShell. */
function windowsStores() {
  const stores = {CurrentUser: [] as string[], LocalMachine: [] as string[]}
  return (command: string, args: string[]) => {
    if (command === 'powershell.exe') {
      const script = args[args.length - 1]!
      if (script.includes('IsInRole')) return {stdout: 'True\r\n'}
      const scope = script.includes('LocalMachine') ? 'LocalMachine' : 'CurrentUser'
      return {stdout: stores[scope].map((pem) => Buffer.from(pem.replace(/-----[A-Z ]+-----|\s/g, ''), 'base64').toString('base64')).join('\r\n')}
    }
    if (command === 'certutil.exe') {
      const scope = args.includes('-user') ? 'CurrentUser' : 'LocalMachine'
      if (args.includes('-addstore')) stores[scope].push(root.pem)
      if (args.includes('-delstore')) stores[scope] = []
    }
    if (command === 'wslpath') return {stdout: `\\\\wsl.localhost\\Debian${args[1]!.replace(/\//g, '\\')}\n`}
    return undefined
  }
}

describe('Windows store (boundary)', () => {
  const machine = new FakeMachine(['powershell.exe', 'certutil.exe'])
  const win = (init: {interactive?: boolean; machine?: boolean; log?: (line: string) => void} = {}) =>
    fakeContext(machine, {platform: 'win32', homeDir: 'C:\\Users\\dev', localcertHome: home, uid: undefined, interactive: true, ...init})
  const LIST_USER = 'powershell.exe -NoProfile -NonInteractive -Command Get-ChildItem -Path Cert:\\CurrentUser\\Root | Where-Object { Test-Path "HKCU:\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\$($_.Thumbprint)" } | ForEach-Object { [Convert]::ToBase64String($_.RawData) }'

  it('adds to CurrentUser\\Root with certutil.exe -user, warns about the dialog first, then lists the store to verify', async () => {
    const lines: string[] = []
    let rows: StoreReport[] = []
    const commands = await withFakeRunner(windowsStores(), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['windows'], context: win({log: (line) => lines.push(line)})})
    })
    expect(commands).toEqual([LIST_USER, 'certutil.exe -user -f -addstore Root <root.pem>', LIST_USER])
    expect(lines.join('\n')).toContain(`Security Warning`)
    expect(lines.join('\n')).toContain(root.sha1)
    expect(statuses(rows)).toEqual(['CurrentUser\\Root: installed', 'LocalMachine\\Root: skipped'])
  })

  it('refuses CurrentUser without a session that can show the dialog, instead of hanging', async () => {
    let rows: StoreReport[] = []
    const commands = await withFakeRunner(windowsStores(), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['windows'], context: win({interactive: false})})
    })
    // only the read that checks whether the root is already there: no certutil.exe, no dialog nobody could answer
    expect(commands).toEqual([LIST_USER])
    expect(rows[0]).toEqual({
      store: 'windows',
      location: 'CurrentUser\\Root',
      status: 'failed',
      code: 'NEEDS_CONFIRMATION',
      message: 'Windows asks for confirmation in a dialog before adding to CurrentUser\\Root, and this session cannot show one',
      hint: 'run it in an interactive terminal, or use --machine from an elevated terminal (no dialog)',
    })
  })

  it('uses LocalMachine\\Root with --machine after checking the terminal is elevated, and removes by thumbprint', async () => {
    const script = windowsStores()
    const commands = await withFakeRunner(script, async () => {
      await installRoot(root, {localcertHome: home, stores: ['windows'], context: win({machine: true})})
      await uninstallRoot(root, {localcertHome: home, stores: ['windows'], context: win({machine: true})})
    })
    expect(commands.filter((command) => command.startsWith('certutil.exe'))).toEqual(['certutil.exe -f -addstore Root <root.pem>', `certutil.exe -delstore Root ${root.sha1}`])
    expect(commands.filter((command) => command.includes('IsInRole'))).toHaveLength(2)
  })

  it('refuses LocalMachine\\Root with --machine when the terminal is not elevated (IsInRole says False), before running certutil.exe, on install and uninstall', async () => {
    const stores = windowsStores()
    const notElevated = (command: string, args: string[]) => (command === 'powershell.exe' && args[args.length - 1]!.includes('IsInRole') ? {stdout: 'False\r\n'} : stores(command, args))
    const refusal = {status: 'failed', code: 'NEEDS_ROOT', message: 'LocalMachine\\Root needs an elevated terminal', hint: 'open a terminal with "Run as administrator" and run the command again, or drop --machine to use CurrentUser\\Root'}
    let installed: StoreReport[] = []
    const installing = await withFakeRunner(notElevated, async () => {
      installed = await installRoot(root, {localcertHome: home, stores: ['windows'], context: win({machine: true})})
    })
    expect(statuses(installed)).toEqual(['CurrentUser\\Root: skipped', 'LocalMachine\\Root: failed'])
    expect(installed[1]).toMatchObject(refusal)
    expect(installing.filter((command) => command.includes('IsInRole'))).toHaveLength(1)
    expect(installing.filter((command) => command.startsWith('certutil.exe'))).toEqual([])

    // the root in LocalMachine\Root (added from an elevated terminal), then a plain terminal tries to remove it
    await withFakeRunner(stores, () => installRoot(root, {localcertHome: home, stores: ['windows'], context: win({machine: true})}))
    let removed: StoreReport[] = []
    const removing = await withFakeRunner(notElevated, async () => {
      removed = await uninstallRoot(root, {localcertHome: home, stores: ['windows'], context: win({machine: true})})
    })
    expect(removed.find((row) => row.location === 'LocalMachine\\Root')).toMatchObject(refusal)
    expect(removing.filter((command) => command.startsWith('certutil.exe'))).toEqual([])
  })

  it('reports "verification failed" when certutil.exe -addstore exits 0 but CurrentUser\\Root still does not list the root', async () => {
    const stores = windowsStores()
    let rows: StoreReport[] = []
    const commands = await withFakeRunner((command, args) => (command === 'certutil.exe' && args.includes('-addstore') ? undefined : stores(command, args)), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['windows'], context: win()})
    })
    expect(commands).toEqual([LIST_USER, 'certutil.exe -user -f -addstore Root <root.pem>', LIST_USER])
    expect(rows[0]).toMatchObject({status: 'failed', message: 'verification failed: CurrentUser\\Root does not list the root after certutil -addstore'})
  })
})

describe('WSL (boundary)', () => {
  const machine = new FakeMachine(['powershell.exe', 'certutil.exe', 'wslpath']).file('/proc/version', 'Linux version 5.15.167.4-microsoft-standard-WSL2')
  const wsl = () => fakeContext(machine, {platform: 'linux', homeDir: '/home/dev', localcertHome: home, uid: 1000, interactive: true})

  it('asks before trusting on the Windows side, and skips it when the user says no', async () => {
    const questions: string[] = []
    let rows: StoreReport[] = []
    const commands = await withFakeRunner(windowsStores(), async () => {
      rows = await installRoot(root, {localcertHome: home, context: wsl(), confirm: async (question) => (questions.push(question), false)})
    })
    expect(questions).toEqual([expect.stringMatching(/^This is WSL: also trust the root on the Windows side \(CurrentUser\\Root\)/)])
    expect(rows.find((row) => row.store === 'windows')).toMatchObject({status: 'skipped', hint: expect.stringContaining('--stores windows')})
    expect(commands.some((command) => command.startsWith('certutil.exe'))).toBe(false)
  })

  it('trusts on the Windows side through interop with a Windows path when asked', async () => {
    const commands = await withFakeRunner(windowsStores(), async () => {
      await installRoot(root, {localcertHome: home, stores: ['windows'], context: wsl()})
    })
    expect(commands[0]).toMatch(/^powershell\.exe .*Cert:\\CurrentUser\\Root/)
    const add = commands.find((command) => command.startsWith('certutil.exe'))!
    expect(add).toMatch(/^certutil\.exe -user -f -addstore Root \\\\wsl\.localhost\\Debian\\(?:[^\\]+\\)+localcert-root-[^\\]+\\localcert-[0-9a-f]{16}\.pem$/)
    expect(commands[1]).toMatch(/^wslpath -w /)
  })
})
