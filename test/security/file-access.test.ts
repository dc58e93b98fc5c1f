import {chmodSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {httpsOptions} from '../../src/api/dev-server.js'
import {cli, sh, tempDir} from '../support/env.js'
import {serveEndpoint} from '../support/serve.js'
import {hasTools} from '../support/tools.js'
import {runsAsRoot} from '../trust/support/real.js'
import {modeOf, secretFiles} from './support.js'

const runsHere = runsAsRoot('another local user cannot read the CA keys (runuser -u nobody)') && hasTools('runuser -u nobody', 'runuser')

const asNobody = (...args: string[]) => sh('runuser', ['-u', 'nobody', '--', ...args])

describe.skipIf(!runsHere)('another local user (runuser -u nobody)', () => {
  it('cannot list the home, nor read any key or the EAB secret in it, even when its directories are opened up', async () => {
    const dir = tempDir('localcert-other-user-')
    // the parent is open (like a real $HOME often is): only our own modes protect what is inside
    chmodSync(dir, 0o755)
    const home = path.join(dir, 'state')
    expect((await cli(['setup', '--no-trust'], {home})).code).toBe(0)
    expect((await cli(['cert', 'app.localhost'], {home, cwd: dir})).code).toBe(0)
    await httpsOptions(['localhost'], {home})
    const endpoint = await serveEndpoint(home)
    const hmacKey = endpoint.hmacKey
    expect(await endpoint.stop()).toBe(0)

    const secrets = secretFiles(home, hmacKey)
    const names = secrets.map((file) => path.relative(home, file))
    for (const expected of ['ca/root-key.pem', 'acme/eab.json', 'acme/eab-hmac.key', 'acme/tls/key.pem']) expect(names).toContain(expected)
    expect(names.some((name) => /^ca\/intermediate-[0-9a-f]+-key\.pem$/.test(name)), names.join(', ')).toBe(true)
    expect(names.some((name) => name.startsWith('dev/')), names.join(', ')).toBe(true)
    secrets.push(path.join(dir, 'app.localhost-key.pem'))

    expect(modeOf(home)).toBe(0o700)
    const listing = await asNobody('ls', home)
    expect(listing.code).not.toBe(0)
    expect(listing.stderr).toMatch(/Permission denied/)
    for (const file of secrets) {
      expect({file, mode: modeOf(file).toString(8)}).toEqual({file, mode: '600'})
      expect((await asNobody('cat', file)).code, file).not.toBe(0)
    }

    // a user (or a backup tool) that loosened the directories still leaves every secret file unreadable to others
    for (const sub of ['', 'ca', 'acme', 'acme/tls', 'dev']) chmodSync(path.join(home, sub), 0o755)
    for (const file of secrets) {
      const read = await asNobody('cat', file)
      expect({file, code: read.code === 0 ? 0 : 'refused', stdout: read.stdout}).toEqual({file, code: 'refused', stdout: ''})
    }
    // the public parts stay readable to everyone: that is what they are for
    expect((await asNobody('cat', path.join(home, 'ca', 'root.pem'))).stdout).toBe(readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8'))
  })
})
