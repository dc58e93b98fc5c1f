import {readdirSync, readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import acme from 'acme-client'
import {describe, expect, it} from 'vitest'
import {issueCertificate} from '../../src/ca/issue.js'
import type {AuditLine} from '../../src/state/audit.js'
import {trustForAcmeClient} from '../acme/support.js'
import {cli, tempDir} from '../support/env.js'
import {serveEndpoint} from '../support/serve.js'

const noChallenge = {challengeCreateFn: async () => undefined, challengeRemoveFn: async () => undefined}

/** A home with a CA made by `setup --no-trust`, and a $HOME of its own (no browser profile, no shell profile). */
async function freshHome() {
  const dir = tempDir('localcert-log-')
  const home = path.join(dir, 'state')
  const env = {HOME: path.join(dir, 'home'), SHELL: '/bin/bash', XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''}
  const setup = await cli(['setup', '--no-trust', '--json'], {home, env})
  expect(setup.code, setup.stderr).toBe(0)
  return {dir, home, env, setup: JSON.parse(setup.stdout)}
}

async function events(home: string, args: string[] = []): Promise<AuditLine[]> {
  const result = await cli(['log', '--json', ...args], {home})
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout)
}

describe('localcert log (built CLI)', () => {
  it('records issuance through the CLI, the Node API and ACME (with the account), revocation, rotation and trust changes; --verify passes', async () => {
    const {home, env, setup} = await freshHome()
    const installed = await cli(['trust', 'install', '--stores', 'runtimes', '--json'], {home, env})
    expect(installed.code, installed.stderr).toBe(0)
    expect((await cli(['trust', 'uninstall', '--stores', 'runtimes'], {home, env})).code).toBe(0)
    const cert = JSON.parse((await cli(['cert', 'app.localhost', '--json'], {home, cwd: path.dirname(home)})).stdout)
    const api = await issueCertificate(['api.localhost'], {home})

    const endpoint = await serveEndpoint(home)
    trustForAcmeClient(readFileSync(endpoint.rootFile, 'utf8'))
    const client = new acme.Client({directoryUrl: endpoint.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid: endpoint.kid, hmacKey: endpoint.hmacKey}})
    const [, csr] = await acme.crypto.createCsr({commonName: 'acme.localhost'}, await acme.crypto.createPrivateEcdsaKey())
    const chain = await client.auto({csr, termsOfServiceAgreed: true, ...noChallenge})
    await client.revokeCertificate(chain, {reason: 4})
    const account = client.getAccountUrl()
    expect(await endpoint.stop()).toBe(0)

    expect((await cli(['rotate'], {home, env})).code).toBe(0)

    const log = await events(home)
    const root = setup.root.fingerprint
    expect(log[0]).toMatchObject({seq: 1, event: 'ca-created', via: 'cli', root, intermediate: setup.intermediate.fingerprint})
    expect(log.find((line) => line.serial === cert.serial)).toMatchObject({event: 'issued', via: 'cli', names: ['app.localhost'], root})
    expect(log.find((line) => line.serial === api.serial)).toMatchObject({event: 'issued', via: 'api', names: ['api.localhost']})
    const acmeIssued = log.filter((line) => line.event === 'issued' && line.via === 'acme')
    // the endpoint's own certificate (for localhost, no account) and the client's
    expect(acmeIssued.map((line) => line.account)).toEqual([undefined, account])
    expect(acmeIssued[0]!.names).toContain('localhost')
    expect(acmeIssued.map((line) => line.purpose)).toEqual(['endpoint-tls', undefined])
    expect(acmeIssued[1]!.names).toEqual(['acme.localhost'])
    expect(log.find((line) => line.event === 'revoked')).toMatchObject({via: 'acme', names: ['acme.localhost'], serial: acmeIssued[1]!.serial, account, reason: 4})
    expect(log.find((line) => line.event === 'intermediate-rotated')).toMatchObject({via: 'cli', root, previous: setup.intermediate.fingerprint})
    const runtimes = JSON.parse(installed.stdout).stores.find((row: {store: string}) => row.store === 'runtimes').location
    expect(log.filter((line) => line.event.startsWith('trust-')).map((line) => [line.event, line.root, line.stores])).toEqual([
      ['trust-installed', root, [{store: 'runtimes', location: runtimes}]],
      ['trust-removed', root, [{store: 'runtimes', location: runtimes}]],
      // serve (as `localcert env` does) puts the root back into the runtime bundle its variables name
      ['trust-installed', root, [{store: 'runtimes', location: runtimes}]],
    ])
    expect(log.map((line) => line.seq)).toEqual(log.map((_, index) => index + 1))

    const table = (await cli(['log'], {home, env: {COLUMNS: '250'}})).stdout
    expect(table.split('\n')[0]).toMatch(/^TIME +EVENT +VIA +SERIAL +DETAILS$/)
    expect(table).toMatch(new RegExp(`issued +acme +${acmeIssued[1]!.serial!.slice(0, 12)} +acme\\.localhost account ${account}`))
    const verified = await cli(['log', '--verify'], {home})
    expect(verified.code, verified.stdout + verified.stderr).toBe(0)
    expect(verified.stdout).toMatch(new RegExp(`^ok: ${log.length} record\\(s\\), hash chain and head intact`))
  })

  it('records each step of `rotate --root` (staged, switched, finished) and its trust changes', async () => {
    const {home, env, setup} = await freshHome()
    expect((await cli(['trust', 'install', '--stores', 'runtimes'], {home, env})).code).toBe(0)
    const rotated = await cli(['rotate', '--root', '--yes', '--json'], {home, env})
    expect(rotated.code, rotated.stdout + rotated.stderr).toBe(0)
    const result = JSON.parse(rotated.stdout)
    const old = setup.root.fingerprint
    const log = (await events(home)).filter((line) => line.event !== 'ca-created')
    expect(log.map((line) => [line.event, line.root, line.previous])).toEqual([
      ['trust-installed', old, undefined],
      ['root-staged', result.root, old],
      ['trust-installed', result.root, undefined],
      ['root-switched', result.root, old],
      ['trust-removed', old, undefined],
      ['root-rotation-finished', result.root, old],
    ])
    expect((await cli(['log', '--verify'], {home})).code).toBe(0)
  })

  it('--since keeps the recent events; a bad --since says what it takes', async () => {
    const {home} = await freshHome()
    expect(await events(home, ['--since', '1h'])).toHaveLength(1)
    expect(await events(home, ['--since', '2999-01-01'])).toEqual([])
    expect(await events(home, ['--since', '2000-01-01T00:00:00Z'])).toHaveLength(1)
    const bad = await cli(['log', '--since', 'yesterday'], {home})
    expect(bad.code).toBe(1)
    expect(bad.stderr).toMatch(/--since yesterday is neither a duration nor a date\n {2}→ give a duration/)
  })

  it('--verify exits 1 with the first bad line and what is wrong: an edited line, then a cut-off end', async () => {
    const {home} = await freshHome()
    for (const name of ['a', 'b', 'c']) expect((await cli(['cert', `${name}.localhost`], {home, cwd: path.dirname(home)})).code).toBe(0)
    const file = path.join(home, 'audit.jsonl')
    const original = readFileSync(file, 'utf8')
    writeFileSync(file, original.replace('b.localhost', 'b.example.com'))
    const edited = await cli(['log', '--verify'], {home})
    expect(edited.code).toBe(1)
    expect(edited.stdout).toMatch(/^bad: line 3: line 3 was edited: its content does not match its hash/)
    const json = JSON.parse((await cli(['log', '--verify', '--json'], {home})).stdout)
    expect(json).toMatchObject({ok: false, line: 3, problem: 'edited', file})

    writeFileSync(file, original.split('\n').slice(0, 2).join('\n') + '\n')
    const cut = await cli(['log', '--verify'], {home})
    expect(cut.code).toBe(1)
    expect(cut.stdout).toMatch(/^bad: line 3: the log ends after line 2 but 4 records were written: the last 2 were cut off/)
  })

  it('holds no secret: no key material, no HMAC key, no EAB value', async () => {
    const {home} = await freshHome()
    const endpoint = await serveEndpoint(home)
    trustForAcmeClient(readFileSync(endpoint.rootFile, 'utf8'))
    const client = new acme.Client({directoryUrl: endpoint.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid: endpoint.kid, hmacKey: endpoint.hmacKey}})
    const [, csr] = await acme.crypto.createCsr({commonName: 'secret.localhost'}, await acme.crypto.createPrivateEcdsaKey())
    await client.auto({csr, termsOfServiceAgreed: true, ...noChallenge})
    const hmacKey = endpoint.hmacKey
    expect(await endpoint.stop()).toBe(0)
    const log = readFileSync(path.join(home, 'audit.jsonl'), 'utf8') + readFileSync(path.join(home, 'audit.jsonl.head'), 'utf8')
    expect(log).toContain('secret.localhost')
    expect(log).not.toContain(hmacKey)
    expect(log).not.toContain(endpoint.kid)
    expect(log).not.toMatch(/PRIVATE KEY|BEGIN/)
    for (const file of readdirSync(path.join(home, 'ca')).filter((name) => name.endsWith('-key.pem'))) {
      for (const line of readFileSync(path.join(home, 'ca', file), 'utf8').split('\n').filter((text) => text.length > 20)) expect(log).not.toContain(line)
    }
  })
})
