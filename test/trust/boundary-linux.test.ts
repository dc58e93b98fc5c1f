import {beforeAll, describe, expect, it} from 'vitest'
import {installRoot, uninstallRoot, type StoreReport} from '../../src/trust/everywhere.js'
import {LINUX_FAMILIES, type LinuxFamily} from '../../src/trust/stores/linux-families.js'
import type {TrustRoot} from '../../src/trust/root.js'
import {withFakeRunner} from '../support/fake-runner.js'
import {FakeMachine, fakeContext} from './support/fake-machine.js'
import {makeCa} from './support/real.js'

// Other Linux families cannot run here: a fake machine per family (its os-release, anchor directory, bundle and
// refresh command) records the exact commands; the refresh command rebuilds the fake bundle like the real one.

let root: TrustRoot
let home: string
beforeAll(async () => {
  const ca = await makeCa('families')
  root = ca.root
  home = ca.home
})

const OS_RELEASE: Record<LinuxFamily['id'], string> = {
  debian: 'ID=ubuntu\nID_LIKE=debian\n',
  rhel: 'ID="fedora"\n',
  arch: 'ID=arch\n',
  suse: 'ID="opensuse-tumbleweed"\nID_LIKE="opensuse suse"\n',
  alpine: 'ID=alpine\n',
}

/** A machine of that family whose refresh command rebuilds the bundle from the anchor directory. */
function machineOf(family: LinuxFamily, commands = ['sudo', 'openssl']) {
  const machine = new FakeMachine([family.tool, ...commands]).file('/etc/os-release', OS_RELEASE[family.id]).file(family.bundle, '').dir(family.anchorDir)
  const script = (command: string, args: string[], options: {input?: string | Uint8Array}) => {
    const words = command === 'sudo' ? args.slice(args.indexOf('--') + 1) : [command, ...args]
    const [tool, ...rest] = words
    if (tool === 'tee') machine.file(rest[0]!, String(options.input))
    if (tool === 'rm') for (const file of rest.slice(1)) machine.files.delete(file)
    if (tool === 'trust') machine.file(family.bundle, rest[1] === '--store' ? root.pem : '')
    if (tool === family.tool && tool !== 'trust') {
      const anchors = [...machine.files].filter(([file]) => file.startsWith(family.anchorDir)).map(([, text]) => text)
      machine.file(family.bundle, anchors.join(''))
    }
    if (tool === 'openssl' && rest[0] === 'verify') return {exitCode: (machine.files.get(family.bundle) ?? '').includes(root.pem) ? 0 : 2}
    return undefined
  }
  return {machine, script}
}

function statuses(rows: StoreReport[]) {
  return rows.map((row) => `${row.store}: ${row.status}${row.message ? ` (${row.message})` : ''}`)
}

const EXPECTED: Record<LinuxFamily['id'], {install: string[]; uninstall: string[]}> = {
  debian: {install: ['tee /usr/local/share/ca-certificates/NAME.crt', 'update-ca-certificates'], uninstall: ['rm -f /usr/local/share/ca-certificates/NAME.crt', 'update-ca-certificates']},
  rhel: {install: ['tee /etc/pki/ca-trust/source/anchors/NAME.pem', 'update-ca-trust extract'], uninstall: ['rm -f /etc/pki/ca-trust/source/anchors/NAME.pem', 'update-ca-trust extract']},
  arch: {install: ['trust anchor --store <root.pem>'], uninstall: ['trust anchor --remove <root.pem>']},
  suse: {install: ['tee /etc/pki/trust/anchors/NAME.pem', 'update-ca-certificates'], uninstall: ['rm -f /etc/pki/trust/anchors/NAME.pem', 'update-ca-certificates']},
  alpine: {install: ['tee /usr/local/share/ca-certificates/NAME.crt', 'update-ca-certificates'], uninstall: ['rm -f /usr/local/share/ca-certificates/NAME.crt', 'update-ca-certificates']},
}

describe('Linux system store per family (boundary)', () => {
  for (const family of Object.values(LINUX_FAMILIES)) {
    it(`${family.title}: installs with ${family.installCommands('F').map(([command]) => command).join(' + ')} through sudo -n, verifies the bundle, and removes it again`, async () => {
      const {machine, script} = machineOf(family)
      const ctx = () => fakeContext(machine, {localcertHome: home})
      let installed: StoreReport[] = []
      let removed: StoreReport[] = []
      const install = await withFakeRunner(script, async () => {
        installed = await installRoot(root, {localcertHome: home, stores: ['system'], context: ctx()})
      })
      const uninstall = await withFakeRunner(script, async () => {
        removed = await uninstallRoot(root, {localcertHome: home, stores: ['system'], context: ctx()})
      })
      const sudo = (line: string) => `sudo -n -- ${line.replace('NAME', root.name)}`
      const verify = `openssl verify -CAfile ${family.bundle} <root.pem>`
      expect(install).toEqual([...EXPECTED[family.id].install.map(sudo), verify])
      expect(uninstall).toEqual([...EXPECTED[family.id].uninstall.map(sudo), verify])
      expect(statuses(installed)).toEqual(['system: installed'])
      expect(statuses(removed)).toEqual(['system: removed'])
    })
  }

  it('Debian: also deletes the name and hash links update-ca-certificates made, re-numbers hash links, and drops the debian: Java alias', async () => {
    const family = LINUX_FAMILIES.debian
    const {machine, script} = machineOf(family, ['sudo', 'openssl', 'keytool'])
    const file = `${family.anchorDir}/${root.name}.crt`
    machine.file(file, root.pem).file(family.bundle, root.pem).file('/etc/ssl/certs/java/cacerts', '')
    machine.link(`/etc/ssl/certs/${root.name}.pem`, file).link('/etc/ssl/certs/1a2b3c4d.0', `${root.name}.pem`).link('/etc/ssl/certs/other.pem', '/usr/share/ca-certificates/mozilla/Other.crt')
    const keystore = `Alias name: debian:${root.name}.pem\nEntry type: trustedCertEntry\n\n${root.pem}`
    let aliasGone = false
    const commands = await withFakeRunner((command, args, options) => {
      if (args.includes('-list')) return {stdout: aliasGone ? '' : keystore}
      if (args.includes('-delete')) aliasGone = true
      if (command === 'sudo' && args.includes('rm')) for (const link of args.slice(args.indexOf('-f') + 1)) machine.links.delete(link)
      return script(command, args, options)
    }, async () => {
      await uninstallRoot(root, {localcertHome: home, stores: ['system'], context: fakeContext(machine, {localcertHome: home})})
    })
    expect(commands).toEqual([
      `sudo -n -- rm -f ${file} /etc/ssl/certs/${root.name}.pem /etc/ssl/certs/1a2b3c4d.0`,
      'sudo -n -- update-ca-certificates',
      'sudo -n -- openssl rehash /etc/ssl/certs',
      'keytool -J-Duser.language=en -J-Duser.country=US -list -rfc -keystore /etc/ssl/certs/java/cacerts -storepass changeit',
      `sudo -n -- keytool -J-Duser.language=en -J-Duser.country=US -delete -alias debian:${root.name}.pem -keystore /etc/ssl/certs/java/cacerts -storepass changeit`,
      `openssl verify -CAfile ${family.bundle} <root.pem>`,
    ])
    expect(machine.links.has('/etc/ssl/certs/other.pem')).toBe(true)
  })

  it('runs the commands directly as root, and explains once why root is needed before sudo asks', async () => {
    const family = LINUX_FAMILIES.rhel
    const asRoot = machineOf(family)
    const direct = await withFakeRunner(asRoot.script, () => installRoot(root, {localcertHome: home, stores: ['system'], context: fakeContext(asRoot.machine, {localcertHome: home, uid: 0})}))
    expect(direct.slice(0, 2)).toEqual([`tee /etc/pki/ca-trust/source/anchors/${root.name}.pem`, 'update-ca-trust extract'])

    const lines: string[] = []
    const asUser = machineOf(family)
    const prompted = await withFakeRunner(asUser.script, () => installRoot(root, {localcertHome: home, stores: ['system'], context: fakeContext(asUser.machine, {localcertHome: home, interactive: true, log: (line) => lines.push(line)})}))
    expect(prompted[0]).toBe(`sudo --prompt=[localcert] password for %u:  -- tee /etc/pki/ca-trust/source/anchors/${root.name}.pem`)
    expect(lines).toEqual([`the RHEL/Fedora system store needs root to add a file to /etc/pki/ca-trust/source/anchors and run update-ca-trust: running sudo tee (sudo may ask for your password)`])
  })

  it('never hangs on a password prompt without a terminal: sudo -n fails fast and the row says to run sudo -v first', async () => {
    const {machine} = machineOf(LINUX_FAMILIES.debian)
    let rows: StoreReport[] = []
    const commands = await withFakeRunner(() => ({exitCode: 1, stderr: 'sudo: a password is required\n'}), async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['system'], context: fakeContext(machine, {localcertHome: home})})
    })
    expect(commands).toEqual([`sudo -n -- tee /usr/local/share/ca-certificates/${root.name}.crt`])
    expect(rows[0]).toMatchObject({status: 'failed', hint: expect.stringContaining('sudo -v')})
  })

  it('says which package provides the refresh command when it is missing, and what is unknown', async () => {
    const missingTool = new FakeMachine([]).file('/etc/os-release', 'ID=fedora\n')
    const unknown = new FakeMachine([])
    const [fedora] = await installRoot(root, {localcertHome: home, stores: ['system'], context: fakeContext(missingTool, {localcertHome: home})})
    const [other] = await installRoot(root, {localcertHome: home, stores: ['system'], context: fakeContext(unknown, {localcertHome: home})})
    expect(fedora).toMatchObject({status: 'not-found', message: '`update-ca-trust` is not installed', hint: 'install the ca-certificates package'})
    expect(other).toMatchObject({status: 'not-found', message: expect.stringContaining('unknown Linux family')})
  })

  it('a root the bundle trusts from outside the anchor directory (a package, ca-certificates.conf) is reported as TRUSTED_ELSEWHERE, not as a failed command', async () => {
    const {machine} = machineOf(LINUX_FAMILIES.debian)
    machine.file(LINUX_FAMILIES.debian.bundle, root.pem)
    let rows: StoreReport[] = []
    // the refresh command rebuilds the bundle with the root in it: it comes from somewhere we do not manage
    const commands = await withFakeRunner(() => undefined, async () => {
      rows = await uninstallRoot(root, {localcertHome: home, stores: ['system'], context: fakeContext(machine, {localcertHome: home})})
    })
    // the refresh runs once (it might have been a stale bundle); the root is still there, and no file of ours was touched
    expect(commands).toEqual(['sudo -n -- update-ca-certificates'])
    expect(rows).toEqual([expect.objectContaining({store: 'system', status: 'failed', code: 'TRUSTED_ELSEWHERE', message: expect.stringContaining('outside /usr/local/share/ca-certificates'), hint: expect.stringContaining('/etc/ca-certificates.conf')})])
  })

  it('--dry-run lists the commands and changes nothing', async () => {
    const {machine, script} = machineOf(LINUX_FAMILIES.suse)
    let rows: StoreReport[] = []
    const ran = await withFakeRunner(script, async () => {
      rows = await installRoot(root, {localcertHome: home, stores: ['system'], context: fakeContext(machine, {localcertHome: home, dryRun: true})})
    })
    expect(ran).toEqual([])
    expect(rows[0]).toMatchObject({status: 'planned', commands: [`sudo -n -- tee /etc/pki/trust/anchors/${root.name}.pem < (certificate on stdin)`, 'sudo -n -- update-ca-certificates']})
  })

  it('names the NSS tools package of each family when certutil is missing', async () => {
    const expected = {debian: 'libnss3-tools', rhel: 'nss-tools', arch: 'nss', suse: 'mozilla-nss-tools', alpine: 'nss-tools'}
    for (const family of Object.values(LINUX_FAMILIES)) {
      const machine = new FakeMachine([]).file('/etc/os-release', OS_RELEASE[family.id]).file('/home/dev/.pki/nssdb/cert9.db', '')
      const [row] = await installRoot(root, {localcertHome: home, stores: ['nss'], context: fakeContext(machine, {localcertHome: home})})
      expect(row).toMatchObject({status: 'not-found', message: 'certutil (NSS tools) is not installed'})
      expect(row!.hint).toContain(` ${expected[family.id]}\``)
    }
  })

  it('refuses to edit an NSS database owned by another user when not root', async () => {
    const machine = new FakeMachine(['certutil']).file('/home/dev/.pki/nssdb/cert9.db', '')
    const [row] = await installRoot(root, {localcertHome: home, stores: ['nss'], context: fakeContext(machine, {localcertHome: home, uid: 1001})})
    expect(row).toMatchObject({status: 'failed', message: expect.stringContaining('belongs to uid 1000'), hint: 'run localcert as the user who owns this profile'})
  })
})
