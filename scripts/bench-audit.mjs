// The audit log's cost on the issuance hot path: one append awaited at a time (the CLI, a dev server), appends
// arriving together (the ACME server under load, batched under one lock), and whole issuances with the log.
// Run: node scripts/bench-audit.mjs (it bundles the sources it measures with esbuild first)
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {performance} from 'node:perf_hooks'
import {fileURLToPath, pathToFileURL} from 'node:url'
import {build} from 'esbuild'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const dir = mkdtempSync(path.join(tmpdir(), 'localcert-bench-audit-'))
const entry = path.join(root, 'scripts', '.bench-audit-entry.mjs')
await build({stdin: {contents: `export {appendAudit} from './src/state/audit.ts'; export {issueCertificate} from './src/ca/issue.ts'`, loader: 'ts', resolveDir: root}, outfile: entry, bundle: true, format: 'esm', platform: 'node', target: 'node20', packages: 'external', logLevel: 'error'})
const {appendAudit, issueCertificate} = await import(pathToFileURL(entry).href)
const record = (index) => ({event: 'issued', via: 'acme', names: [`app${index}.localhost`], serial: index.toString(16).padStart(32, '0'), account: 'https://localhost:8555/acme/acct/abc', root: 'a'.repeat(64), intermediate: 'b'.repeat(64)})
const ms = (start, count) => ((performance.now() - start) / count).toFixed(3)

try {
  const file = path.join(dir, 'audit.jsonl')
  for (let index = 0; index < 20; index++) await appendAudit(file, record(index))
  let start = performance.now()
  for (let index = 0; index < 300; index++) await appendAudit(file, record(index))
  console.log(`one at a time:        ${ms(start, 300)} ms per append`)
  start = performance.now()
  await Promise.all(Array.from({length: 2000}, (_, index) => appendAudit(file, record(index))))
  console.log(`2000 at once:         ${ms(start, 2000)} ms per append (batched)`)
  for (const burst of [10, 50]) {
    start = performance.now()
    for (let round = 0; round < 20; round++) await Promise.all(Array.from({length: burst}, (_, index) => appendAudit(file, record(index))))
    console.log(`bursts of ${String(burst).padEnd(3)}:        ${ms(start, 20 * burst)} ms per append`)
  }
  const home = path.join(dir, 'home')
  await issueCertificate(['warm.localhost'], {home})
  start = performance.now()
  for (let index = 0; index < 200; index++) await issueCertificate([`i${index}.localhost`], {home})
  console.log(`issueCertificate:     ${ms(start, 200)} ms per issuance (leaf key, signing, inventory and audit)`)
  start = performance.now()
  await Promise.all(Array.from({length: 200}, (_, index) => issueCertificate([`c${index}.localhost`], {home})))
  console.log(`200 issuances at once: ${ms(start, 200)} ms per issuance`)
} finally {
  rmSync(dir, {recursive: true, force: true})
  rmSync(entry, {force: true})
}
