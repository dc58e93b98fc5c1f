import {randomBytes} from 'node:crypto'
import {lookup} from 'node:dns/promises'
import {readFileSync, statSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import path from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'
import {cli, sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'
import {holdSystemTrust, runsAsRoot} from '../trust/support/real.js'

const HOSTS = '/etc/hosts'
// a loud skip off CI (the reason is printed at the end), an error under CI=true, like every other root or tool test
const runsHere = runsAsRoot('localcert hosts on the real /etc/hosts') && hasTools('localcert hosts on the real /etc/hosts', 'python3', 'curl', 'java')

describe.skipIf(!runsHere)('localcert hosts on the real /etc/hosts (root)', () => {
  let original = ''
  let mode = 0
  let release: (() => Promise<void>) | undefined
  const id = randomBytes(4).toString('hex')
  const names = [`lc-test-${id}.localhost`, `lc-${id}.test`]
  const work = tempDir('localcert-real-hosts-')
  const home = path.join(work, 'home')
  let server: Server
  let port = 0

  beforeAll(async () => {
    // the README walk-through edits /etc/hosts too: one file at a time changes the machine
    release = await holdSystemTrust()
    original = readFileSync(HOSTS, 'latin1')
    mode = statSync(HOSTS).mode
    server = createServer((_request, response) => response.end('reached localcert test server\n'))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as {port: number}).port
  })

  afterAll(async () => {
    // whatever happened above, /etc/hosts goes back to the bytes it had
    if (original && readFileSync(HOSTS, 'latin1') !== original) writeFileSync(HOSTS, original, 'latin1')
    await new Promise((resolve) => server?.close(resolve))
    await release?.()
  })

  it('makes the names resolve to loopback for Node, Python, curl and Java, and remove restores the file byte for byte', async () => {
    const added = await cli(['hosts', 'add', ...names], {home})
    expect(added.code, added.stderr).toBe(0)
    expect(statSync(HOSTS).mode).toBe(mode)
    const java = path.join(work, 'Resolve.java')
    writeFileSync(java, 'import java.net.InetAddress;\npublic class Resolve {\n  public static void main(String[] args) throws Exception {\n    for (InetAddress address : InetAddress.getAllByName(args[0])) System.out.println(address.getHostAddress());\n  }\n}\n')
    for (const name of names) {
      const node = (await lookup(name, {all: true})).map((entry) => entry.address)
      expect(node.sort()).toEqual(['127.0.0.1', '::1'])
      const python = await sh('python3', ['-c', 'import socket, sys; print(" ".join(sorted({a[4][0] for a in socket.getaddrinfo(sys.argv[1], None)})))', name])
      expect(python.stdout.trim(), python.stderr).toBe('127.0.0.1 ::1')
      const curl = await sh('curl', ['-sS', '--max-time', '5', `http://${name}:${port}/`])
      expect(curl.stdout, curl.stderr).toBe('reached localcert test server\n')
      const jvm = await sh('java', [java, name])
      expect(jvm.stdout.trim().split('\n').sort(), jvm.stderr).toEqual(['0:0:0:0:0:0:0:1', '127.0.0.1'])
    }
    const removed = await cli(['hosts', 'remove', ...names], {home})
    expect(removed.code, removed.stderr).toBe(0)
    expect(readFileSync(HOSTS, 'latin1')).toBe(original)
    expect(statSync(HOSTS).mode).toBe(mode)
    await expect(lookup(names[1]!)).rejects.toMatchObject({code: 'ENOTFOUND'})
  }, 60_000)

  it('`localcert uninstall --yes` takes the block out too, and says so', async () => {
    expect((await cli(['hosts', 'add', names[0]!], {home})).code).toBe(0)
    expect(readFileSync(HOSTS, 'latin1')).not.toBe(original)
    // a fresh LOCALCERT_HOME holds no CA: the hosts block is all uninstall has to undo
    const uninstall = await cli(['uninstall', '--yes'], {home})
    expect(uninstall.code, uninstall.stdout + uninstall.stderr).toBe(0)
    expect(uninstall.stdout).toContain(`Removed the localcert block from ${HOSTS} (${names[0]}).`)
    expect(readFileSync(HOSTS, 'latin1')).toBe(original)
  }, 60_000)
  it('httpsOptions warns about a name that does not resolve, and a cached boot after `localcert hosts add` no longer does', async () => {
    const {httpsOptions} = await import('../../src/api/dev-server.js')
    const devHome = path.join(work, 'dev-home')
    const name = `lc-dev-${id}.test`
    const first = await httpsOptions([name], {home: devHome})
    expect(first.warnings).toEqual([expect.stringContaining(`localcert hosts add ${name}`)])
    expect((await cli(['hosts', 'add', name], {home})).code).toBe(0)
    try {
      const cached = await httpsOptions([name], {home: devHome})
      expect(cached.serial).toBe(first.serial)
      expect(cached.warnings).toEqual([])
    } finally {
      expect((await cli(['hosts', 'remove', name], {home})).code).toBe(0)
    }
    expect(readFileSync(HOSTS, 'latin1')).toBe(original)
  }, 60_000)
})
