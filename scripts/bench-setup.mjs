// `localcert setup` vs `mkcert -install` over the same trust stores, side by side in one run, interleaved:
//   first install: the root of an existing CA goes into the stores (localcert: `setup` after `setup --no-trust`;
//                  mkcert: `-install` after a CA made with TRUST_STORES=none);
//   second run:    the same command again with everything in place (what a developer re-runs every day).
// Same stores for both: the real Debian system store (update-ca-certificates, whose hook also feeds Java's cacerts),
// one NSS database in a throw-away HOME (~/.pki/nssdb), and Java through JAVA_HOME (mkcert reads only that; localcert
// finds the same cacerts, which every JDK here links to). localcert also writes its runtime bundle (a file of its
// own). It changes the machine's trust store, so it needs root and takes the lock the tests take, and leaves the
// stores as it found them (checked, and printed). Usage: node scripts/bench-setup.mjs [rounds=3] [repeats=5]
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {has, median, root, timeRun} from './bench-stats.mjs'

const rounds = Number(process.argv[2] ?? 3)
const repeats = Number(process.argv[3] ?? 5)
const bin = path.join(root, 'bin', 'run.js')

const missing = ['update-ca-certificates', 'certutil', 'keytool', 'mkcert'].filter((tool) => !has(tool))
if (process.getuid?.() !== 0 || missing.length > 0) {
  console.log(`\n== setup vs mkcert -install: skipped (${missing.length ? `missing ${missing.join(', ')}` : 'needs root: it installs into the real system store'}) ==`)
  process.exit(0)
}
const javaHome = path.dirname(path.dirname(realpathSync(execFileSync('sh', ['-c', 'command -v keytool'], {encoding: 'utf8'}).trim())))

const time = (command, args, env) => timeRun(command, args, {env})

const debianMkcertAliases = () => execFileSync('sh', ['-c', "keytool -list -cacerts -storepass changeit 2>/dev/null | grep -o '^debian:mkcert_development_ca_[0-9]*.pem' || true"], {encoding: 'utf8'}).split('\n').filter(Boolean)

const snapshot = () =>
  execFileSync('sh', ['-c', 'ls -l --time-style=+ /usr/local/share/ca-certificates /etc/ssl/certs; sha256sum /etc/ssl/certs/ca-certificates.crt; keytool -list -cacerts -storepass changeit 2>/dev/null | grep -A1 trustedCertEntry'], {encoding: 'utf8'})

/** One side's throw-away world: a HOME with an empty NSS database, and a CA that exists but is trusted nowhere. */
function world(kind) {
  const dir = mkdtempSync(path.join(tmpdir(), `localcert-bench-setup-${kind}-`))
  const home = path.join(dir, 'home')
  mkdirSync(path.join(home, '.pki', 'nssdb'), {recursive: true})
  execFileSync('certutil', ['-N', '--empty-password', '-d', `sql:${path.join(home, '.pki', 'nssdb')}`])
  const env = {HOME: home, JAVA_HOME: javaHome, XDG_DATA_HOME: '', XDG_CONFIG_HOME: '', NO_COLOR: '1', LOCALCERT_HOME: path.join(dir, 'localcert'), CAROOT: path.join(dir, 'mkcert')}
  if (kind === 'localcert') time(process.execPath, [bin, 'setup', '--no-trust'], env)
  else time('mkcert', ['-install'], {...env, TRUST_STORES: 'none'})
  return {dir, env}
}

const sides = {
  localcert: {install: (env) => time(process.execPath, [bin, 'setup'], env), undo: (env) => time(process.execPath, [bin, 'uninstall', '--yes'], env)},
  mkcert: {install: (env) => time('mkcert', ['-install'], env), undo: (env) => time('mkcert', ['-uninstall'], env)},
}
/** keytool once read a cacerts half-written by something outside this run (EOFException): one retry, said aloud. */
function retryOnce(run) {
  try {
    return run()
  } catch (error) {
    console.error(`bench-setup: retrying once after: ${error.message.split('\n')[0]}`)
    return run()
  }
}
const samples = {localcert: {first: [], second: []}, mkcert: {first: [], second: []}}
const floor = []

const lockfile = (await import('proper-lockfile')).default
const lockTarget = path.join(existsSync('/run/lock') ? '/run/lock' : tmpdir(), 'localcert-tests-system-trust')
console.error('bench-setup: waiting for the machine-wide trust-store lock (the tests take it too)…')
const release = await lockfile.lock(lockTarget, {realpath: false, stale: 30_000, update: 5_000, retries: {retries: 1_200, factor: 1, minTimeout: 500, maxTimeout: 500}, onCompromised: () => undefined})
// start from a refreshed store, so the snapshot below is what a refresh leaves
execFileSync('update-ca-certificates', [], {stdio: 'ignore'})
const before = snapshot()
const mkcertAliasesBefore = new Set(debianMkcertAliases())
let after
try {
  for (let round = 0; round < rounds; round++) {
    // alternate who goes first, so neither always meets a warm page cache
    for (const kind of round % 2 ? ['mkcert', 'localcert'] : ['localcert', 'mkcert']) {
      const {dir, env} = world(kind)
      try {
        samples[kind].first.push(sides[kind].install(env))
        for (let i = 0; i < repeats; i++) samples[kind].second.push(retryOnce(() => sides[kind].install(env)))
      } finally {
        sides[kind].undo(env)
        if (kind === 'mkcert') {
          // mkcert -uninstall leaves its name and hash links in /etc/ssl/certs dangling, and update-ca-certificates keeps them (measured)
          execFileSync('sh', ['-c', "find /etc/ssl/certs -maxdepth 1 -xtype l \\( -name 'mkcert_development_CA_*' -o -lname 'mkcert_development_CA_*' \\) -exec rm -f {} +"])
          execFileSync('update-ca-certificates', [], {stdio: 'ignore'})
          // mkcert -uninstall also leaves the alias Debian's hook gave its root in Java's cacerts (measured): take it out
          for (const alias of debianMkcertAliases().filter((alias) => !mkcertAliasesBefore.has(alias))) execFileSync('keytool', ['-delete', '-alias', alias, '-cacerts', '-storepass', 'changeit'], {stdio: 'ignore'})
        }
        rmSync(dir, {recursive: true, force: true})
      }
    }
    for (let i = 0; i < repeats; i++) floor.push(time(process.execPath, [bin, '--version']))
  }
} finally {
  after = snapshot()
  await release()
}

const med = (xs) => median(xs) / 1000
const result = {
  localcert: {first: med(samples.localcert.first), second: med(samples.localcert.second)},
  mkcert: {first: med(samples.mkcert.first), second: med(samples.mkcert.second)},
  cliFloor: med(floor),
}
console.log(`\n== trust stores: localcert setup vs mkcert -install (system + NSS + Java), ${rounds} interleaved rounds, ${repeats} second runs each ==`)
console.log('both sides: the real Debian system store (its hook feeds Java), an NSS db in a throw-away HOME, JAVA_HOME=' + javaHome)
console.log(`first install   localcert setup ${result.localcert.first.toFixed(2)} s   mkcert -install ${result.mkcert.first.toFixed(2)} s   ratio ${(result.localcert.first / result.mkcert.first).toFixed(2)}x (target ≤ 1.0x)`)
console.log(`second run      localcert setup ${result.localcert.second.toFixed(3)} s   mkcert -install ${result.mkcert.second.toFixed(3)} s   ratio ${(result.localcert.second / result.mkcert.second).toFixed(1)}x (target: localcert ≤ 0.3 s)`)
console.log(`localcert --version (the CLI's start-up floor, oclif included) ${result.cliFloor.toFixed(3)} s: setup's own work on a second run is ${(result.localcert.second - result.cliFloor).toFixed(3)} s`)
mkdirSync(path.join(root, '.bench'), {recursive: true})
if (before !== after) for (const [name, text] of [['before', before], ['after', after]]) writeFileSync(path.join(root, '.bench', `setup-stores-${name}.txt`), text)
console.log(before === after ? 'system store, /etc/ssl/certs and Java cacerts: as before the run' : 'WARNING: the system store differs from before the run: diff .bench/setup-stores-before.txt .bench/setup-stores-after.txt')
writeFileSync(path.join(root, '.bench', 'setup.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, rounds, repeats, seconds: result, samples, storesUnchanged: before === after}, null, 2) + '\n')
