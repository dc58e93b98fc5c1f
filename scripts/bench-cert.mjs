// `localcert cert` vs mkcert, side by side in one run, interleaved; plus the in-process issue path (what the Node API
// calls) and the CLI's start-up floor (`localcert --version`). Prints a table and writes .bench/cert.json.
// Usage: node scripts/bench-cert.mjs [rounds=15]
import {execFileSync} from 'node:child_process'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {benchScratch, has, median, percentile as pct, root, timeRun} from './bench-stats.mjs'

const rounds = Number(process.argv[2] ?? 15)
const {work, home, caroot} = benchScratch('localcert-bench-')
const names = ['app.localhost', '*.app.localhost', 'localhost', '127.0.0.1', '::1']
const bin = path.join(root, 'bin', 'run.js')

const time = (command, args, env) => timeRun(command, args, {cwd: work, env})

const cases = [
  {name: 'node -e 0 (bare node)', run: () => time(process.execPath, ['-e', '0'])},
  {name: 'localcert --version (CLI floor)', run: () => time(process.execPath, [bin, '--version'])},
  {name: 'localcert cert (ECDSA, 5 names)', run: () => time(process.execPath, [bin, 'cert', '--cert-file', 'lc.pem', '--key-file', 'lc-key.pem', ...names], {LOCALCERT_HOME: home})},
]
if (has('mkcert')) {
  cases.push({name: 'mkcert -ecdsa (5 names)', run: () => time('mkcert', ['-ecdsa', '-cert-file', 'mk.pem', '-key-file', 'mk-key.pem', ...names], {CAROOT: caroot, TRUST_STORES: 'none'})})
} else {
  console.error('mkcert not installed (apt-get install mkcert): the mkcert column is skipped')
}

// Create both CAs first, then warm the page cache.
execFileSync(process.execPath, [bin, 'setup', '--no-trust'], {env: {...process.env, LOCALCERT_HOME: home}, stdio: 'ignore'})
for (const c of cases) for (let i = 0; i < 2; i++) c.run()
const samples = new Map(cases.map((c) => [c.name, []]))
for (let round = 0; round < rounds; round++) for (const c of cases) samples.get(c.name).push(c.run())

// In-process: the function the Node API calls, CA already loaded.
process.env.LOCALCERT_HOME = home
const {issueCertificate} = await import(path.join(root, 'dist', 'index.js'))
const inProcess = {}
for (const [label, keyType, n] of [['ecdsa', 'ecdsa', 300], ['rsa', 'rsa', 20]]) {
  for (let i = 0; i < 5; i++) await issueCertificate(names, {keyType})
  const xs = []
  for (let i = 0; i < n; i++) {
    const start = process.hrtime.bigint()
    await issueCertificate(names, {keyType})
    xs.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  inProcess[label] = {n, median: median(xs), p99: pct(xs, 0.99)}
}

const med = Object.fromEntries([...samples].map(([k, v]) => [k, median(v)]))
const rows = [...samples].map(([k, v]) => `${k.padEnd(36)} median ${median(v).toFixed(1).padStart(7)} ms   p90 ${pct(v, 0.9).toFixed(1).padStart(7)} ms`)
console.log(`\n== certificate issuance, ${rounds} interleaved rounds ==`)
console.log(rows.join('\n'))
console.log(`in-process issueCertificate ECDSA   median ${inProcess.ecdsa.median.toFixed(2)} ms   p99 ${inProcess.ecdsa.p99.toFixed(2)} ms (n=${inProcess.ecdsa.n})`)
console.log(`in-process issueCertificate RSA-2048 median ${inProcess.rsa.median.toFixed(1)} ms   p99 ${inProcess.rsa.p99.toFixed(1)} ms (n=${inProcess.rsa.n})`)
const floor = med['localcert --version (CLI floor)']
const ours = med['localcert cert (ECDSA, 5 names)']
const mk = med['mkcert -ecdsa (5 names)']
const ratios = {cliWorkOverFloorMs: ours - floor, ...(mk ? {localcertOverMkcert: ours / mk, inProcessOverMkcertProcess: inProcess.ecdsa.median / mk} : {})}
console.log(`CLI work over its start-up floor: ${ratios.cliWorkOverFloorMs.toFixed(1)} ms`)
if (mk) console.log(`localcert cert / mkcert: ${ratios.localcertOverMkcert.toFixed(2)}x; in-process / mkcert process: ${ratios.inProcessOverMkcertProcess.toFixed(3)}x`)
mkdirSync(path.join(root, '.bench'), {recursive: true})
writeFileSync(path.join(root, '.bench', 'cert.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, rounds, medians: med, inProcess, ratios}, null, 2) + '\n')
rmSync(work, {recursive: true, force: true})
