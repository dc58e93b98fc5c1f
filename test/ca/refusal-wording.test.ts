import {existsSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {issueCertificate} from '../../src/ca/issue.js'
import {cli, tempDir} from '../support/env.js'

describe('refusals say what the caller can really do', () => {
  it('the Node API refuses a lifetime of 900 days without naming a CLI flag', async () => {
    const home = path.join(tempDir('localcert-days-'), 'state')
    const refusal = issueCertificate(['app.localhost'], {home, days: 900})
    await expect(refusal).rejects.toMatchObject({code: 'INVALID_DAYS', message: "a certificate's lifetime must be a whole number of days from 1 to 825, not 900"})
    await expect(refusal).rejects.toSatisfy((error: Error & {hint: string}) => !`${error.message} ${error.hint}`.includes('--'))
  })

  it('a public name under a CA that allows dev.example.com: suggests a local name, or a new CA that repeats dev.example.com; following the hint works', async () => {
    const home = path.join(tempDir('localcert-public-name-'), 'state')
    expect((await cli(['setup', '--no-trust', '--allow-domain', 'dev.example.com', '--json'], {home})).code).toBe(0)
    const refused = await cli(['cert', 'www.google.com', '--json'], {home})
    expect(refused.code).toBe(1)
    const {error} = JSON.parse(refused.stdout)
    expect(error.code).toBe('NAME_NOT_ALLOWED')
    expect(error.hint).not.toContain('--allow-domain www.google.com')
    expect(error.hint).toContain('www.localhost')
    expect(error.hint).toContain("a root's name constraints cannot change")
    expect(error.hint).toContain('`localcert setup --allow-domain google.com --allow-domain dev.example.com` (repeating dev.example.com, which this CA allows today)')
    expect(existsSync(path.join(path.dirname(home), 'www.google.com.pem'))).toBe(false)

    // the hint, followed to the letter, gives a CA that signs the name and still signs the domain it allowed before
    expect((await cli(['uninstall', '--yes', '--stores', 'runtimes', '--json'], {home})).code).toBe(0)
    expect((await cli(['setup', '--no-trust', '--allow-domain', 'google.com', '--allow-domain', 'dev.example.com', '--json'], {home})).code).toBe(0)
    expect((await cli(['cert', 'www.google.com', 'app.dev.example.com', '--json'], {home})).code).toBe(0)
  })
})
