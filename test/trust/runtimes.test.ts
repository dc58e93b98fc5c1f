import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {cli} from '../support/env.js'
import {makeCa} from './support/real.js'

// The runtime bundle and the shell-profile line, through the CLI, in a temporary $HOME.
describe('runtimes: the CA bundle and the shell profile line', () => {
  it('trust install --shell-profile adds one sourced line; trust uninstall removes it again with the bundle', async () => {
    const ca = await makeCa('runtimes')
    const env = {HOME: ca.userHome, SHELL: '/bin/bash', XDG_CONFIG_HOME: '', ZDOTDIR: ''}
    const trust = async (args: string[]) => {
      const result = await cli(['trust', ...args, '--stores', 'runtimes', '--json'], {home: ca.home, env})
      return {code: result.code, rows: JSON.parse(result.stdout).stores as Array<{location: string; status: string}>}
    }
    const bashrc = path.join(ca.userHome, '.bashrc')
    const bundle = path.join(ca.home, 'trust', 'bundle.pem')

    const installed = await trust(['install', '--shell-profile'])
    expect(installed.code).toBe(0)
    expect(installed.rows.map((row) => row.status)).toEqual(['installed', 'installed'])
    expect(readFileSync(bashrc, 'utf8').split('\n').filter((line) => line.includes('# added by localcert'))).toHaveLength(1)
    expect(readFileSync(bundle, 'utf8')).toContain(ca.root.pem.trim())

    const removed = await trust(['uninstall'])
    expect(removed.code).toBe(0)
    expect(removed.rows.map((row) => row.status)).toEqual(['removed', 'removed'])
    expect(readFileSync(bashrc, 'utf8')).not.toContain('# added by localcert')
    expect(existsSync(bundle) ? readFileSync(bundle, 'utf8') : '').not.toContain(ca.root.pem.trim())

    const status = await trust(['status'])
    expect(status.rows.filter((row) => row.status === 'present')).toEqual([])
  })
})
