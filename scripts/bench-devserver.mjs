// A dev server's boot, from `import` of localcert to an https server accepting connections, against the mkcert way
// (spawn mkcert, read its two files, then the same server). Each sample is a new Node process, so module loading
// counts; times are taken inside it (import start → 'listening'). Interleaved rounds; writes .bench/devserver.json.
// Usage: node scripts/bench-devserver.mjs [rounds=15]
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, rmSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {benchScratch, has, median, percentile as pct, root} from './bench-stats.mjs'

const rounds = Number(process.argv[2] ?? 15)
const {work, home, caroot} = benchScratch('localcert-bench-boot-')
const names = ['localhost', '127.0.0.1', '::1']

// each program prints the milliseconds from just before loading its certificate code to 'listening'
const listen = `const server = https.createServer(options, (q, s) => s.end('ok')).listen(0, '127.0.0.1', () => { console.log(performance.now() - t0); server.close() })`
const programs = {
  'localcert ESM, cached': `const t0 = performance.now(); const https = await import('node:https'); const {httpsOptions} = await import(${JSON.stringify(path.join(root, 'dist', 'index.js'))}); const options = await httpsOptions(${JSON.stringify(names)}); ${listen}`,
  'localcert CJS, cached': `const t0 = performance.now(); const https = require('node:https'); const {httpsOptions} = require(${JSON.stringify(path.join(root, 'dist', 'cjs', 'index.js'))}); httpsOptions(${JSON.stringify(names)}).then((options) => { ${listen} })`,
  'localcert ESM, fresh certificate': `const t0 = performance.now(); const https = await import('node:https'); const {httpsOptions} = await import(${JSON.stringify(path.join(root, 'dist', 'index.js'))}); const options = await httpsOptions(${JSON.stringify(names)}, {fresh: true}); ${listen}`,
}
if (has('mkcert')) {
  programs['mkcert way (spawn, read files)'] = `const t0 = performance.now(); const https = await import('node:https'); const {execFileSync} = await import('node:child_process'); const {readFileSync} = await import('node:fs'); execFileSync('mkcert', ['-cert-file', 'mk.pem', '-key-file', 'mk-key.pem', ...${JSON.stringify(names)}], {stdio: 'ignore'}); const options = {cert: readFileSync('mk.pem'), key: readFileSync('mk-key.pem')}; ${listen}`
} else {
  console.error('mkcert not installed (apt-get install mkcert): the mkcert row is skipped')
}
const files = {}
for (const [name, source] of Object.entries(programs)) {
  const file = path.join(work, `${Object.keys(files).length}.${name.includes('CJS') ? 'cjs' : 'mjs'}`)
  writeFileSync(file, source + '\n')
  files[name] = file
}
const env = {...process.env, LOCALCERT_HOME: home, CAROOT: caroot, TRUST_STORES: 'none'}
const run = (file) => {
  const result = spawnSync(process.execPath, [file], {cwd: work, env, encoding: 'utf8'})
  if (result.status !== 0) throw new Error(`${file} failed: ${result.stderr}`)
  return Number(result.stdout.trim())
}

execFileSync(process.execPath, [path.join(root, 'bin', 'run.js'), 'setup', '--no-trust'], {env, stdio: 'ignore'})
for (const file of Object.values(files)) for (let i = 0; i < 2; i++) run(file)
const samples = Object.fromEntries(Object.keys(files).map((name) => [name, []]))
for (let round = 0; round < rounds; round++) for (const [name, file] of Object.entries(files)) samples[name].push(run(file))

console.log(`\n== dev server boot: import → https listening, ${rounds} interleaved rounds, a new process each ==`)
for (const [name, xs] of Object.entries(samples)) console.log(`${name.padEnd(36)} median ${median(xs).toFixed(1).padStart(7)} ms   p90 ${pct(xs, 0.9).toFixed(1).padStart(7)} ms`)
const mk = samples['mkcert way (spawn, read files)']
const cached = median(samples['localcert ESM, cached'])
const ratios = mk ? {mkcertOverCached: median(mk) / cached, mkcertOverCachedCjs: median(mk) / median(samples['localcert CJS, cached']), mkcertOverFresh: median(mk) / median(samples['localcert ESM, fresh certificate'])} : {}
if (mk) console.log(`mkcert way / localcert cached: ${ratios.mkcertOverCached.toFixed(2)}x (ESM), ${ratios.mkcertOverCachedCjs.toFixed(2)}x (CJS); / fresh: ${ratios.mkcertOverFresh.toFixed(2)}x  (target: cached < 30 ms and ≥ 3x)`)
mkdirSync(path.join(root, '.bench'), {recursive: true})
writeFileSync(path.join(root, '.bench', 'devserver.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, rounds, medians: Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)])), ratios}, null, 2) + '\n')
rmSync(work, {recursive: true, force: true})
