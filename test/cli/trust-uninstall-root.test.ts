import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {cli, sh, tempDir} from '../support/env.js'
import {hasTools} from '../support/tools.js'

describe.skipIf(!hasTools('trust uninstall --root', 'openssl'))('localcert trust uninstall --root (built CLI)', () => {
  it('ends by naming the team root it removed, not localcert\'s own CA', async () => {
    const dir = tempDir('localcert-team-root-')
    const home = path.join(dir, 'state')
    const team = path.join(dir, 'team.pem')
    const made = await sh('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', path.join(dir, 'team-key.pem'), '-out', team, '-days', '30', '-subj', '/CN=Team Dev Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
    expect(made.code, made.stderr).toBe(0)
    const env = {HOME: path.join(dir, 'home')}
    expect((await cli(['trust', 'install', '--root', team, '--stores', 'runtimes', '--json'], {home, env})).code).toBe(0)
    const removed = await cli(['trust', 'uninstall', '--root', team, '--stores', 'runtimes'], {home, env})
    expect(removed.code, removed.stderr).toBe(0)
    // the closing sentence, joined again where it was wrapped to the width (its continuation lines are indented)
    const last = removed.stdout.trimEnd().replace(/\n {2,}/g, ' ').split('\n').pop()
    expect(last).toBe(`Done: CN=Team Dev Root (from ${team}) is no longer trusted by these stores; the file itself was left alone. Restart browsers that were open.`)
  })
})
