import {randomBytes} from 'node:crypto'
import {readFileSync} from 'node:fs'
import path from 'node:path'
import acme from 'acme-client'
import {describe, expect, it} from 'vitest'
import {trustForAcmeClient} from '../acme/support.js'
import {cli, tempDir, type CliResult} from '../support/env.js'
import {serveEndpoint} from '../support/serve.js'
import {keyMaterial, secretFiles} from './support.js'

const noChallenge = {challengeCreateFn: async () => undefined, challengeRemoveFn: async () => undefined}

describe('no key, HMAC key or password in any output, log or --json', () => {
  it('setup, cert (PEM and PKCS#12), serve (--json and as a service log), env (every shell, --json), status, list, doctor and log print none of them', async () => {
    const dir = tempDir('localcert-no-secret-')
    const home = path.join(dir, 'state')
    const env = {HOME: path.join(dir, 'home'), SHELL: '/bin/bash', XDG_CONFIG_HOME: '', XDG_DATA_HOME: ''}
    const password = `pw-${randomBytes(12).toString('hex')}`
    const outputs: Array<{what: string; result: CliResult}> = []
    const run = async (args: string[], extra: {env?: NodeJS.ProcessEnv} = {}) => {
      const result = await cli(args, {home, cwd: dir, env: {...env, ...extra.env}})
      outputs.push({what: args.join(' '), result})
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBeLessThan(2)
      return result
    }

    await run(['setup', '--no-trust', '--json'])
    await run(['setup', '--no-trust'])
    await run(['cert', 'app.localhost', '--json'])
    await run(['cert', 'p12.localhost', '--pkcs12', '--p12-password', password])
    await run(['cert', 'p12env.localhost', '--pkcs12', '--json'], {env: {LOCALCERT_P12_PASSWORD: password}})

    const json = await serveEndpoint(home, {env})
    const hmacKey = json.hmacKey
    trustForAcmeClient(readFileSync(json.rootFile, 'utf8'))
    const client = new acme.Client({directoryUrl: json.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: {kid: json.kid, hmacKey}})
    const [, csr] = await acme.crypto.createCsr({commonName: 'acme.localhost'}, await acme.crypto.createPrivateEcdsaKey())
    await client.revokeCertificate(await client.auto({csr, termsOfServiceAgreed: true, ...noChallenge}))
    // while it runs: env in every shell and as JSON, and the commands that read the endpoint
    for (const shell of ['bash', 'zsh', 'fish', 'powershell']) await run(['env', '--shell', shell])
    await run(['env', '--json'])
    await run(['status', '--json'])
    await run(['status'])
    await run(['list', '--json'])
    await run(['doctor', '--json'])
    await run(['log', '--json'])
    await run(['log'])
    expect(await json.stop()).toBe(0)
    outputs.push({what: 'serve --json', result: {code: 0, stdout: json.stdout(), stderr: json.stderr()}})
    // as the login service runs it: output into a log file
    const logged = await serveEndpoint(home, {args: ['--port', '0'], ready: (out) => out.includes('Ctrl+C'), env})
    expect(await logged.stop()).toBe(0)
    outputs.push({what: 'serve (service log)', result: {code: 0, stdout: logged.stdout(), stderr: logged.stderr()}})
    await run(['rotate', '--json'])
    await run(['log', '--verify', '--json'])

    const files = secretFiles(home, hmacKey)
    const keys = keyMaterial([...files, path.join(dir, 'app.localhost-key.pem')])
    // the CA's own keys are among what is looked for (whatever form key protection gives them on disk)
    expect(keyMaterial(files.filter((file) => /ca\/(root|intermediate-[0-9a-f]+)-key\.pem$/.test(file))).length).toBeGreaterThan(3)
    const secrets = [...keys, hmacKey, password]
    for (const {what, result} of outputs) {
      const text = result.stdout + result.stderr
      for (const secret of secrets) expect(text.includes(secret), `${what} printed a secret (${secret.slice(0, 8)}…)`).toBe(false)
    }
    // and the audit log holds none either
    const audit = readFileSync(path.join(home, 'audit.jsonl'), 'utf8')
    for (const secret of secrets) expect(audit.includes(secret)).toBe(false)
  })
})
