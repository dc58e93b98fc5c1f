import {describe, expect, it} from 'vitest'
import {spawn} from 'node:child_process'
import {createPrivateKey, X509Certificate} from 'node:crypto'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {BIN, cli, tempDir} from '../support/env.js'
import {loadAuthority, openAuthority, intermediateNeedsRenewal, rotateIntermediate} from '../../src/ca/authority.js'
import {issueLeaf} from '../../src/ca/leaf.js'
import {parseNames} from '../../src/ca/names.js'
import {readInventory} from '../../src/state/inventory.js'
import {opensslVerify} from '../support/pki.js'

function start(args: string[], home: string, cwd: string) {
  return spawn(process.execPath, [BIN, ...args], {cwd, env: {...process.env, LOCALCERT_HOME: home}, stdio: ['ignore', 'pipe', 'pipe']})
}

function finished(child: ReturnType<typeof start>) {
  let stdout = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  return new Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string}>((resolve) => child.on('exit', (code, signal) => resolve({code, signal, stdout})))
}

function stagingDirs(home: string): string[] {
  return existsSync(home) ? readdirSync(home).filter((f) => f.startsWith('.ca-staging-')) : []
}

/** Every file of a CA is there and fits together (root key ↔ root, root → intermediate ↔ its key); returns the root fingerprint. */
function expectWholeCa(home: string): string {
  const ca = path.join(home, 'ca')
  expect(existsSync(ca) ? readdirSync(ca) : [], `the CA files in ${ca}`).toEqual(expect.arrayContaining(['ca.json', 'root.pem', 'root-key.pem']))
  const meta = JSON.parse(readFileSync(path.join(ca, 'ca.json'), 'utf8'))
  const root = new X509Certificate(readFileSync(path.join(ca, 'root.pem')))
  const intermediate = new X509Certificate(readFileSync(path.join(ca, `intermediate-${meta.intermediate.id}.pem`)))
  expect(root.checkPrivateKey(createPrivateKey(readFileSync(path.join(ca, 'root-key.pem'))))).toBe(true)
  expect(intermediate.checkPrivateKey(createPrivateKey(readFileSync(path.join(ca, `intermediate-${meta.intermediate.id}-key.pem`))))).toBe(true)
  expect(intermediate.verify(root.publicKey)).toBe(true)
  expect(root.fingerprint256.replace(/:/g, '').toLowerCase()).toBe(meta.root.fingerprint)
  return meta.root.fingerprint
}

describe('state under concurrency and crashes', () => {
  it('creates exactly one CA when 8 processes race `cert` and `setup` on a fresh home', async () => {
    const home = path.join(tempDir(), 'home')
    const work = tempDir()
    const children = Array.from({length: 8}, (_, i) =>
      i % 2 === 0 ? start(['cert', '--json', `race${i}.localhost`], home, work) : start(['setup', '--no-trust', '--json'], home, work),
    )
    const results = await Promise.all(children.map(finished))
    expect(results.map((r) => r.code)).toEqual(Array(8).fill(0))
    const outputs = results.map((r) => JSON.parse(r.stdout))
    const created = outputs.filter((o) => o.caCreated === true || o.created === true)
    expect(created).toHaveLength(1)
    const meta = JSON.parse(readFileSync(path.join(home, 'ca', 'ca.json'), 'utf8'))
    for (const setup of outputs.filter((o) => 'root' in o)) expect(setup.root.fingerprint).toBe(meta.root.fingerprint)
    expect(readdirSync(path.join(home, 'ca')).filter((f) => f.startsWith('intermediate-') && f.endsWith('-key.pem'))).toHaveLength(1)
    expect(readdirSync(home).filter((f) => f.startsWith('.ca-staging-'))).toEqual([])
    expect(await readInventory(path.join(home, 'issued.jsonl'))).toHaveLength(4)
  })

  it('leaves no CA or a whole CA when creation is killed at any moment, and recovers on the next run', async () => {
    const outcomes = new Set<string>()
    for (const delay of [5, 60, 150, 300, 600, 900]) {
      const home = path.join(tempDir(), 'home')
      const child = start(['setup', '--no-trust', '--key-type', 'rsa'], home, tempDir())
      const done = finished(child)
      await new Promise((resolve) => setTimeout(resolve, delay))
      child.kill('SIGKILL')
      const result = await done
      const authority = await loadAuthority(home).catch((error) => error as Error)
      expect(authority instanceof Error ? authority.message : 'ok').toBe('ok')
      outcomes.add(result.signal === 'SIGKILL' ? (authority ? 'killed-after' : 'killed-before') : 'finished')
      const next = await cli(['cert', '--json', 'after.localhost'], {home, cwd: tempDir()})
      expect(next.code, next.stderr).toBe(0)
      expect(readdirSync(home).filter((f) => f.startsWith('.ca-staging-'))).toEqual([])
      expect(existsSync(path.join(home, 'ca', 'ca.json'))).toBe(true)
    }
    expect(outcomes.has('killed-before')).toBe(true)
  })

  it('a SIGKILL that lands mid-creation (the staging directory outlives the killed process) leaves no CA at all, never part of one, and the next run creates a whole CA', async () => {
    let landedMidCreation = 0
    for (let attempt = 0; attempt < 20 && landedMidCreation < 2; attempt++) {
      const home = path.join(tempDir(), 'home')
      const cwd = tempDir()
      const child = start(['setup', '--no-trust', '--key-type', 'rsa', '--json'], home, cwd)
      const done = finished(child)
      // watch the state directory and kill the moment creation shows: a staging directory (a CA being written) or,
      // should a CA ever be written in place, the CA directory itself
      let started = false
      while (child.exitCode === null && !started) {
        started = stagingDirs(home).length > 0 || existsSync(path.join(home, 'ca'))
        if (!started) await new Promise((resolve) => setImmediate(resolve))
      }
      if (started) child.kill('SIGKILL')
      const result = await done
      // Only a process that died by our SIGKILL with its staging directory still there was killed before the rename:
      // the directory exists from mkdtemp to the rename, so it existed when the kill was sent.
      const midCreation = result.signal === 'SIGKILL' && stagingDirs(home).length > 0
      let rootBefore: string | undefined
      if (midCreation) {
        landedMidCreation++
        expect(existsSync(path.join(home, 'ca'))).toBe(false)
        expect(await loadAuthority(home)).toBeUndefined()
      } else {
        // too late (or finished first): then the CA must be whole
        rootBefore = expectWholeCa(home)
      }
      const next = await cli(['cert', '--json', 'after.localhost'], {home, cwd})
      expect(next.code, next.stderr).toBe(0)
      expect(JSON.parse(next.stdout).caCreated).toBe(midCreation)
      expect(stagingDirs(home)).toEqual([])
      const root = expectWholeCa(home)
      if (rootBefore) expect(root).toBe(rootBefore)
      const leaf = await opensslVerify(readFileSync(path.join(cwd, 'after.localhost.pem'), 'utf8'), {rootPem: readFileSync(path.join(home, 'ca', 'root.pem'), 'utf8')})
      expect(leaf.ok, leaf.output).toBe(true)
    }
    expect(landedMidCreation).toBeGreaterThan(0)
  })

  it('renews the intermediate when a third of its life is left, without the user doing anything', async () => {
    const home = tempDir()
    const ca = await openAuthority(home)
    const start = Date.parse(ca.meta.intermediate.notBefore)
    const end = Date.parse(ca.meta.intermediate.notAfter)
    expect(intermediateNeedsRenewal(ca.meta, start + (end - start) * 0.6)).toBe(false)
    expect(intermediateNeedsRenewal(ca.meta, start + (end - start) * 0.7)).toBe(true)
    // A leaf that would outlive the intermediate triggers a renewal now.
    const renewed = await openAuthority(home, {validUntil: new Date(end + 86_400_000)})
    expect(renewed.meta.intermediate.fingerprint).not.toBe(ca.meta.intermediate.fingerprint)
    expect(renewed.meta.previousIntermediates).toEqual([ca.meta.intermediate.fingerprint])
    expect(renewed.meta.root.fingerprint).toBe(ca.meta.root.fingerprint)
    const leaf = await issueLeaf(renewed, parseNames(['after-renewal.localhost']))
    expect(leaf.chainPem).toContain(renewed.intermediatePem.trim())
    const rotated = await rotateIntermediate(home)
    expect(rotated.meta.previousIntermediates).toHaveLength(2)
  })
})
