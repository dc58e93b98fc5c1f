import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {hostsFile, hostsMachine, SUDO_WRITE_SCRIPT, type HostsMachine} from '../../src/hosts/file.js'
import {applyHostsChange, planHostsAdd, planHostsRemove} from '../../src/hosts/manage.js'
import {confirmAndApply} from '../../src/cli/hosts-change.js'
import {withFakeRunner} from '../support/fake-runner.js'
import {tempDir} from '../support/env.js'

/** A hosts file we pretend belongs to root, on a machine with these traits. */
function rootOwned(traits: Partial<HostsMachine>) {
  const file = path.join(tempDir('localcert-hosts-boundary-'), 'hosts')
  writeFileSync(file, '127.0.0.1 localhost\n')
  const machine = hostsMachine({env: {LOCALCERT_HOSTS_FILE: file}, uid: 1000, interactive: false, which: async (command) => command === 'sudo', writable: async () => false, ...traits})
  return {file, machine}
}

describe('writing a hosts file that belongs to root', () => {
  it('as a user on Linux, writes through `sudo -n -- sh -c …` with the new text on stdin, after saying why', async () => {
    const {file, machine} = rootOwned({platform: 'linux'})
    const change = await planHostsAdd(['app.localhost'], {machine})
    expect(change.elevation).toBe(`${file} belongs to root, so localcert writes it through sudo`)
    const said: string[] = []
    // the fake sudo does what the real one would: runs the script's effect, the file takes stdin
    const commands = await withFakeRunner((_command, args, options) => (writeFileSync(args.at(-1)!, options.input!), undefined), () => confirmAndApply(change, {yes: true, log: (line) => said.push(line), machine}))
    expect(commands).toEqual([`sudo -n -- sh -c ${SUDO_WRITE_SCRIPT} localcert-hosts ${file}`])
    expect(readFileSync(file, 'utf8')).toBe(change.after)
    expect(said).toEqual([`localcert will change the localcert block of ${file}:`, '  + 127.0.0.1 app.localhost', '  + ::1 app.localhost', `${file} belongs to root, so localcert writes it through sudo (sudo -n: no password prompt); nothing else in the file changes.`])
  })

  it('on a terminal, lets sudo prompt (and says it may ask for a password)', async () => {
    const {file, machine} = rootOwned({platform: 'darwin', interactive: true})
    const change = await planHostsRemove(['app.localhost'], {machine})
    expect(change.after).toBe(change.before)
    const add = await planHostsAdd(['app.localhost'], {machine})
    const commands = await withFakeRunner(() => undefined, () => applyHostsChange(add, machine))
    expect(commands).toEqual([`sudo --prompt=[localcert] password for %u:  -- sh -c ${SUDO_WRITE_SCRIPT} localcert-hosts ${file}`])
  })

  it('without a terminal and without --yes, asks for --yes and runs nothing', async () => {
    const {machine} = rootOwned({platform: 'linux'})
    const change = await planHostsAdd(['app.localhost'], {machine})
    let error: unknown
    const commands = await withFakeRunner(() => undefined, () => confirmAndApply(change, {yes: false, log: () => {}, machine}).catch((caught) => (error = caught)))
    expect(commands).toEqual([])
    expect(error).toMatchObject({code: 'NEEDS_CONFIRMATION', hint: expect.stringContaining('--yes')})
  })

  it('with neither sudo nor doas installed, refuses while planning, before announcing a write through sudo', async () => {
    const {file, machine} = rootOwned({platform: 'linux', which: async () => false})
    await expect(planHostsAdd(['app.localhost'], {machine})).rejects.toMatchObject({code: 'PERMISSION_DENIED', message: `cannot write ${file}: it belongs to root, and neither sudo nor doas is installed`})
    await expect(planHostsRemove(['app.localhost'], {machine})).resolves.toMatchObject({elevation: undefined})
  })

  it('names doas when doas is what is installed', async () => {
    const {file, machine} = rootOwned({platform: 'linux', which: async (command) => command === 'doas'})
    const change = await planHostsAdd(['app.localhost'], {machine})
    expect(change.elevation).toBe(`${file} belongs to root, so localcert writes it through doas`)
    const commands = await withFakeRunner(() => undefined, () => applyHostsChange(change, machine))
    expect(commands).toEqual([`doas -n sh -c ${SUDO_WRITE_SCRIPT} localcert-hosts ${file}`])
  })

  it('as root, announces no sudo: root writes the file itself', async () => {
    const {machine} = rootOwned({platform: 'linux', uid: 0, which: async () => false})
    expect((await planHostsAdd(['app.localhost'], {machine})).elevation).toBeUndefined()
  })

  it('when sudo needs a password it cannot ask for, says to run `sudo -v` first', async () => {
    const {machine} = rootOwned({platform: 'linux'})
    const change = await planHostsAdd(['app.localhost'], {machine})
    let error: unknown
    await withFakeRunner(() => ({exitCode: 1, stderr: 'sudo: a password is required\n'}), () => applyHostsChange(change, machine).catch((caught) => (error = caught)))
    expect(error).toMatchObject({code: 'NEEDS_ROOT', hint: expect.stringContaining('sudo -v')})
  })

  it('when sudo fails otherwise, refuses with PERMISSION_DENIED', async () => {
    const {file, machine} = rootOwned({platform: 'linux'})
    const change = await planHostsAdd(['app.localhost'], {machine})
    let error: unknown
    await withFakeRunner(() => ({exitCode: 1, stderr: 'sh: cannot create /etc/hosts: Read-only file system\n'}), () => applyHostsChange(change, machine).catch((caught) => (error = caught)))
    expect(error).toMatchObject({code: 'PERMISSION_DENIED', message: expect.stringContaining('Read-only file system')})
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.1 localhost\n')
  })

  it('on Windows without an administrator, refuses with NEEDS_ROOT and runs nothing', async () => {
    const {file, machine} = rootOwned({platform: 'win32', uid: undefined})
    const change = await planHostsAdd(['app.localhost'], {machine})
    let error: unknown
    const said: string[] = []
    const commands = await withFakeRunner(() => undefined, () => confirmAndApply(change, {yes: false, log: (line) => said.push(line), machine}).catch((caught) => (error = caught)))
    expect(commands).toEqual([])
    expect(said).toEqual([])
    expect(error).toMatchObject({code: 'NEEDS_ROOT', hint: expect.stringContaining('run from an administrator terminal')})
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.1 localhost\n')
  })

  it('refuses to write when the file changed after the plan was made', async () => {
    const {file, machine} = rootOwned({platform: 'linux', writable: async () => true})
    const change = await planHostsAdd(['app.localhost'], {machine})
    writeFileSync(file, '127.0.0.1 localhost\n10.0.0.1 nas.lan\n')
    await expect(applyHostsChange(change, machine)).rejects.toMatchObject({code: 'WRITE_FAILED'})
    expect(readFileSync(file, 'utf8')).toBe('127.0.0.1 localhost\n10.0.0.1 nas.lan\n')
  })
})

describe('where the hosts file is', () => {
  it.each([
    [{platform: 'win32', env: {SystemRoot: 'D:\\Windows'}}, 'D:\\Windows\\System32\\drivers\\etc\\hosts'],
    [{platform: 'win32', env: {}}, 'C:\\Windows\\System32\\drivers\\etc\\hosts'],
    [{platform: 'darwin', env: {}}, '/etc/hosts'],
    [{platform: 'linux', env: {}}, '/etc/hosts'],
    [{platform: 'linux', env: {LOCALCERT_HOSTS_FILE: '/tmp/x/hosts'}}, '/tmp/x/hosts'],
  ] as const)('%j → %s', (machine, expected) => {
    expect(hostsFile(machine as Pick<HostsMachine, 'platform' | 'env'>)).toBe(expected)
  })
})
