import {describe, expect, it} from 'vitest'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {BIN, cli, tempDir} from '../support/env.js'
import {loadAuthority, openAuthority, intermediateNeedsRenewal, rotateIntermediate} from '../../src/ca/authority.js'
import {issueLeaf} from '../../src/ca/leaf.js'
import {readInventory} from '../../src/state/inventory.js'

function start(args: string[], home: string, cwd: string) {
  return spawn(process.execPath, [BIN, ...args], {cwd, env: {...process.env, LOCALCERT_HOME: home}, stdio: ['ignore', 'pipe', 'pipe']})
}

function finished(child: ReturnType<typeof start>) {
  let stdout = ''
  child.stdout!.on('data', (chunk) => (stdout += chunk))
  return new Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string}>((resolve) => child.on('exit', (code, signal) => resolve({code, signal, stdout})))
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

  it('survives a kill that lands while the new CA is half-written (staging directory present), and recovers', async () => {
    let caught = 0
    for (let attempt = 0; attempt < 5 && caught < 2; attempt++) {
      const home = path.join(tempDir(), 'home')
      const child = start(['setup', '--no-trust', '--key-type', 'rsa'], home, tempDir())
      const done = finished(child)
      // watch the state directory and kill the moment a staging directory (a CA being written) shows up
      let staging = false
      while (child.exitCode === null && !staging) {
        staging = existsSync(home) && readdirSync(home).some((f) => f.startsWith('.ca-staging-'))
        if (!staging) await new Promise((resolve) => setImmediate(resolve))
      }
      if (!staging) continue
      child.kill('SIGKILL')
      expect((await done).signal).toBe('SIGKILL')
      caught++
      // either no CA at all or a whole one, never a broken one
      const authority = await loadAuthority(home).catch((error) => error as Error)
      expect(authority instanceof Error ? authority.message : 'ok').toBe('ok')
      const next = await cli(['cert', '--json', 'after.localhost'], {home, cwd: tempDir()})
      expect(next.code, next.stderr).toBe(0)
      expect(readdirSync(home).filter((f) => f.startsWith('.ca-staging-'))).toEqual([])
    }
    expect(caught).toBeGreaterThan(0)
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
    const leaf = await issueLeaf(renewed, ['after-renewal.localhost'])
    expect(leaf.chainPem).toContain(renewed.intermediatePem.trim())
    const rotated = await rotateIntermediate(home)
    expect(rotated.meta.previousIntermediates).toHaveLength(2)
  })
})
