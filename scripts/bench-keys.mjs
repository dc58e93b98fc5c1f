// What key protection costs: the unlock per process (load @napi-rs/keyring, read the secret from the Secret Service,
// decrypt the intermediate key), then `localcert cert` and a dev server's first httpsOptions() with the keys sealed
// (keyring) and as 0600 files (file), side by side, interleaved. Runs itself inside a private D-Bus session with
// gnome-keyring unlocked (dbus-run-session), as a desktop login has. Prints a table and writes .bench/keys.json.
// Usage: node scripts/bench-keys.mjs [rounds=15]
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {has, median, percentile as pct, root, timeRun} from './bench-stats.mjs'

const rounds = Number(process.argv[2] ?? 15)
const bin = path.join(root, 'bin', 'run.js')

if (!process.env.LOCALCERT_BENCH_SESSION) {
  if (process.platform !== 'linux' || !has('dbus-run-session') || !has('gnome-keyring-daemon')) {
    console.error('bench-keys: needs Linux with dbus-run-session and gnome-keyring-daemon (apt-get install gnome-keyring dbus): skipped')
    process.exit(0)
  }
  const store = mkdtempSync(path.join(tmpdir(), 'localcert-bench-keyring-'))
  mkdirSync(path.join(store, 'run'), {mode: 0o700})
  const inner = `printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || exit 1; exec "$0" "$1" "$2"`
  const result = spawnSync('dbus-run-session', ['--', 'sh', '-c', inner, process.execPath, process.argv[1], String(rounds)], {
    stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8',
    env: {...process.env, LOCALCERT_BENCH_SESSION: '1', XDG_DATA_HOME: store, XDG_RUNTIME_DIR: path.join(store, 'run')},
  })
  // dbus-daemon complains that it may not raise its fd limit: not ours to show
  process.stderr.write(result.stderr.split('\n').filter((line) => line && !/fd limit/.test(line)).map((line) => line + '\n').join(''))
  rmSync(store, {recursive: true, force: true})
  process.exit(result.status ?? 1)
}

const work = mkdtempSync(path.join(tmpdir(), 'localcert-bench-keys-'))
const homes = {keyring: path.join(work, 'keyring'), file: path.join(work, 'file')}
const envOf = (mode) => ({LOCALCERT_HOME: homes[mode], ...(mode === 'file' ? {LOCALCERT_KEY_PROTECTION: 'file'} : {})})
for (const mode of ['keyring', 'file']) {
  const out = execFileSync(process.execPath, [bin, 'setup', '--no-trust', '--json'], {env: {...process.env, ...envOf(mode)}, encoding: 'utf8'})
  const protection = JSON.parse(out).keyProtection
  if (protection.mode !== mode) throw new Error(`bench-keys: the ${mode} home got ${protection.mode} protection (${protection.reason ?? ''})`)
}
const meta = JSON.parse(readFileSync(path.join(homes.keyring, 'ca', 'ca.json'), 'utf8'))
const keyFile = path.join(homes.keyring, 'ca', `intermediate-${meta.intermediate.id}-key.pem`)

// One fresh process per sample, timing each part of the unlock as localcert does it (state/credential-store.ts)
const UNLOCK = `
const ms = (from) => Number(process.hrtime.bigint() - from) / 1e6
const {createPrivateKey} = require('node:crypto')
const pem = require('node:fs').readFileSync(process.argv[1], 'utf8')
let t = process.hrtime.bigint()
const {AsyncEntry} = require(${JSON.stringify(path.join(root, 'node_modules', '@napi-rs', 'keyring'))})
const load = ms(t)
;(async () => {
  t = process.hrtime.bigint()
  const secret = await new AsyncEntry('localcert', process.argv[2], {linux: {store: 'secret-service'}}).getPassword(AbortSignal.timeout(20000))
  const read = ms(t)
  t = process.hrtime.bigint()
  createPrivateKey({key: pem, format: 'pem', passphrase: secret})
  const decrypt = ms(t)
  t = process.hrtime.bigint()
  await new AsyncEntry('localcert', process.argv[2], {linux: {store: 'secret-service'}}).getPassword(AbortSignal.timeout(20000))
  console.log(JSON.stringify({load, read, decrypt, total: load + read + decrypt, secondRead: ms(t)}))
})()`
const HTTPS_OPTIONS = `const t = process.hrtime.bigint(); const api = await import(${JSON.stringify(path.join(root, 'dist', 'index.js'))}); await api.httpsOptions(['dev.localhost']); console.log(Number(process.hrtime.bigint() - t) / 1e6)`

const names = ['app.localhost', '*.app.localhost', 'localhost', '127.0.0.1', '::1']
const cases = []
for (const mode of ['keyring', 'file']) {
  cases.push({name: `localcert cert, ${mode}`, run: () => timeRun(process.execPath, [bin, 'cert', '--cert-file', path.join(work, `${mode}.pem`), '--key-file', path.join(work, `${mode}-key.pem`), ...names], {cwd: work, env: envOf(mode)})})
}
for (const mode of ['keyring', 'file']) {
  cases.push({name: `httpsOptions() first call, ${mode}`, run: () => {
    rmSync(path.join(homes[mode], 'dev'), {recursive: true, force: true})
    return Number(execFileSync(process.execPath, ['--input-type=module', '-e', HTTPS_OPTIONS], {env: {...process.env, ...envOf(mode)}, encoding: 'utf8'}))
  }})
}
const unlocks = []
cases.push({name: 'unlock (load + read + decrypt)', run: () => {
  const sample = JSON.parse(execFileSync(process.execPath, ['-e', UNLOCK, keyFile, meta.protection.account], {encoding: 'utf8'}))
  unlocks.push(sample)
  return sample.total
}})

for (const c of cases) for (let i = 0; i < 2; i++) c.run()
unlocks.length = 0
const samples = new Map(cases.map((c) => [c.name, []]))
for (let round = 0; round < rounds; round++) for (const c of cases) samples.get(c.name).push(c.run())

const part = (key) => ({median: median(unlocks.map((sample) => sample[key])), p90: pct(unlocks.map((sample) => sample[key]), 0.9)})
const unlock = {load: part('load'), read: part('read'), decrypt: part('decrypt'), total: part('total'), secondRead: part('secondRead')}
console.log(`\n== key protection, ${rounds} interleaved rounds (gnome-keyring in dbus-run-session) ==`)
for (const [name, xs] of samples) console.log(`${name.padEnd(36)} median ${median(xs).toFixed(1).padStart(7)} ms   p90 ${pct(xs, 0.9).toFixed(1).padStart(7)} ms`)
console.log(`unlock per process, median: load @napi-rs/keyring ${unlock.load.median.toFixed(2)} ms + getPassword ${unlock.read.median.toFixed(2)} ms + decrypt ${unlock.decrypt.median.toFixed(2)} ms = ${unlock.total.median.toFixed(2)} ms (target < 10 ms); then cached in the process (a second store read would be ${unlock.secondRead.median.toFixed(2)} ms)`)
const med = Object.fromEntries([...samples].map(([k, v]) => [k, median(v)]))
const overhead = {cert: med['localcert cert, keyring'] - med['localcert cert, file'], httpsOptions: med['httpsOptions() first call, keyring'] - med['httpsOptions() first call, file']}
console.log(`keyring over file: localcert cert ${overhead.cert.toFixed(1)} ms, httpsOptions() first call ${overhead.httpsOptions.toFixed(1)} ms`)
mkdirSync(path.join(root, '.bench'), {recursive: true})
writeFileSync(path.join(root, '.bench', 'keys.json'), JSON.stringify({rounds, unlock, medians: med, overheadMs: overhead}, null, 2) + '\n')
rmSync(work, {recursive: true, force: true})
