// The ACME endpoint vs pebble (Let's Encrypt's test server, always-valid mode), side by side in one run, interleaved.
// Same client (node acme-client, one account per server, one keep-alive HTTPS agent), same CSR cost (P-256 CSRs from
// scripts/peers/csr.mjs, one shared key), both servers in their own process on loopback HTTPS with EAB.
//   latency: one client, one order at a time: new order → authorizations (+ challenge where the server wants one)
//            → finalize (+ polling where the server answers `processing`) → download; p50/p99
//   throughput: complete issuances per second, 8 concurrent workers on one account, ABBA windows
// Also reported: CPU per issuance of each server process and of the client. Against pebble, Node's agent opens a new
// TLS connection for nearly every POST (pebble answers HEAD newNonce with neither Content-Length nor chunking, so Node
// cannot keep that socket); that handshake cost is part of what this client pays against pebble.
// Prints a table with ratios and writes .bench/acme.json.
// Usage: node scripts/bench-acme.mjs [--window 10] [--rounds 60] [--concurrency 8] [--cpu-prof]
import {spawn} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {createRequire} from 'node:module'
import https from 'node:https'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {parseArgs} from 'node:util'
import acmeModule from 'acme-client'
import {buildCsr, csrKey} from './peers/csr.mjs'
import {startPebble} from './peers/pebble.mjs'
import {percentile, root} from './bench-stats.mjs'

const acme = acmeModule.default ?? acmeModule
const acmeClientVersion = createRequire(import.meta.url)('acme-client/package.json').version
const {values: options} = parseArgs({
  options: {
    window: {type: 'string', default: '10'},
    rounds: {type: 'string', default: '60'},
    concurrency: {type: 'string', default: '8'},
    'cpu-prof': {type: 'boolean', default: false},
  },
  allowPositionals: true,
})
const windowMs = Number(options.window) * 1000
const rounds = Number(options.rounds)
const concurrency = Number(options.concurrency)

const work = mkdtempSync(path.join(tmpdir(), 'localcert-bench-acme-'))
const now = () => Number(process.hrtime.bigint()) / 1e6

/** `localcert serve` as its own process (as users run it), on a free loopback port, rate limits off. */
async function startLocalcert() {
  const home = path.join(work, 'home')
  const profileDir = path.join(root, '.bench', 'prof')
  const nodeArgs = options['cpu-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, 'bin', 'run.js'), 'serve', '--port', '0', '--json', '--no-rate-limits'], {
    env: {...process.env, LOCALCERT_HOME: home},
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const killOnExit = () => child.kill('SIGKILL')
  process.once('exit', killOnExit)
  let out = ''
  let err = ''
  child.stdout.on('data', (chunk) => (out += chunk))
  child.stderr.on('data', (chunk) => (err += chunk))
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const deadline = Date.now() + 30_000
  while (!out.trimEnd().endsWith('}')) {
    if (child.exitCode !== null) throw new Error(`localcert serve exited: ${err}`)
    if (Date.now() > deadline) throw new Error(`localcert serve did not start: ${err}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const summary = JSON.parse(out)
  const stop = async () => {
    process.off('exit', killOnExit)
    child.kill('SIGTERM')
    await exited
  }
  return {directoryUrl: summary.directoryUrl, trust: readFileSync(summary.rootFile, 'utf8'), eab: JSON.parse(readFileSync(summary.eabFile, 'utf8')), pid: child.pid, profileDir, stop}
}

/** One complete issuance the way acme-client's auto() does it, minus its CSR parsing (the CSR is built for us). */
async function issue(client, name, key) {
  const csr = buildCsr(name, key)
  const order = await client.createOrder({identifiers: [{type: 'dns', value: name}]})
  const authorizations = await client.getAuthorizations(order)
  await Promise.all(authorizations.filter((authz) => authz.status !== 'valid').map(async (authz) => {
    const challenge = authz.challenges.find((c) => c.type === 'http-01') ?? authz.challenges[0]
    await client.completeChallenge(challenge)
    await client.waitForValidStatus(challenge)
  }))
  let finalized = await client.finalizeOrder(order, csr)
  if (finalized.status !== 'valid') finalized = await client.waitForValidStatus(finalized)
  const chain = await client.getCertificate(finalized)
  if (!chain.includes('BEGIN CERTIFICATE')) throw new Error(`no certificate for ${name}`)
}

async function latencyRound(server, label, i) {
  const start = now()
  await issue(server.client, `lat-${label}-${i}.localhost`, server.key)
  return now() - start
}

/** CPU seconds a process has used so far (Linux /proc; undefined elsewhere). Ticks are 1/100 s on Linux. */
function cpuSeconds(pid) {
  const file = `/proc/${pid}/stat`
  if (!existsSync(file)) return undefined
  const fields = readFileSync(file, 'utf8').split(') ')[1].split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** `concurrency` workers issue back to back until the window closes; counts complete issuances and who burnt the CPU. */
async function throughputWindow(server, label, windowIndex) {
  let next = 0
  const serverCpu = cpuSeconds(server.pid)
  const clientCpu = process.cpuUsage()
  const start = now()
  const deadline = start + windowMs
  const latencies = []
  await Promise.all(Array.from({length: concurrency}, async () => {
    while (now() < deadline) {
      const began = now()
      await issue(server.client, `tp-${label}-${windowIndex}-${next++}.localhost`, server.key)
      latencies.push(now() - began)
    }
  }))
  const elapsed = now() - start
  const client = process.cpuUsage(clientCpu)
  const cpu = {server: serverCpu === undefined ? undefined : cpuSeconds(server.pid) - serverCpu, client: (client.user + client.system) / 1e6}
  return {issued: latencies.length, seconds: elapsed / 1000, perSecond: latencies.length / (elapsed / 1000), p50: percentile(latencies, 0.5), p99: percentile(latencies, 0.99), cpu}
}

const [localcert, pebble] = [await startLocalcert(), await startPebble()]
try {
  // one keep-alive agent that trusts both servers' HTTPS roots: identical transport for both
  acme.axios.defaults.httpsAgent = new https.Agent({ca: [localcert.trust, pebble.caPem], keepAlive: true})
  const servers = {
    localcert: {...localcert, key: csrKey()},
    pebble: {...pebble, key: csrKey()},
  }
  for (const [label, server] of Object.entries(servers)) {
    server.client = new acme.Client({directoryUrl: server.directoryUrl, accountKey: await acme.crypto.createPrivateEcdsaKey(), externalAccountBinding: server.eab})
    await server.client.createAccount({termsOfServiceAgreed: true})
    for (let i = 0; i < 10; i++) await issue(server.client, `warm-${label}-${i}.localhost`, server.key)
  }

  const latency = {localcert: [], pebble: []}
  for (let i = 0; i < rounds; i++) {
    // alternate who goes first so neither always follows the other's garbage or cache effects
    const order = i % 2 === 0 ? ['localcert', 'pebble'] : ['pebble', 'localcert']
    for (const label of order) latency[label].push(await latencyRound(servers[label], label, i))
  }

  const throughput = {localcert: [], pebble: []}
  for (const [windowIndex, label] of ['localcert', 'pebble', 'pebble', 'localcert'].entries()) throughput[label].push(await throughputWindow(servers[label], label, windowIndex))

  const summary = {}
  for (const label of ['localcert', 'pebble']) {
    const windows = throughput[label]
    const issued = windows.reduce((sum, w) => sum + w.issued, 0)
    const seconds = windows.reduce((sum, w) => sum + w.seconds, 0)
    summary[label] = {
      latencyP50: percentile(latency[label], 0.5),
      latencyP99: percentile(latency[label], 0.99),
      perSecond: issued / seconds,
      windows: windows.map((w) => Number(w.perSecond.toFixed(1))),
      loadedP50: percentile(windows.flatMap((w) => [w.p50]), 0.5),
      // CPU per issuance under load, in ms: the server's own process and the shared client process
      serverCpuMs: windows.every((w) => w.cpu.server !== undefined) ? (1000 * windows.reduce((sum, w) => sum + w.cpu.server, 0)) / issued : undefined,
      clientCpuMs: (1000 * windows.reduce((sum, w) => sum + w.cpu.client, 0)) / issued,
    }
  }
  const ratios = {
    throughput: summary.localcert.perSecond / summary.pebble.perSecond,
    latencyP50: summary.pebble.latencyP50 / summary.localcert.latencyP50,
  }
  const ms = (x) => `${x.toFixed(1).padStart(8)} ms`
  console.log(`\n== ACME issuance with node acme-client ${acmeClientVersion}: localcert serve vs pebble (always-valid), interleaved ==`)
  console.log(`latency: ${rounds} sequential issuances each (one client, account registered); throughput: ${concurrency} workers, ${windowMs / 1000} s windows ABBA`)
  console.log(`${''.padEnd(12)}${'p50'.padStart(11)}${'p99'.padStart(11)}${'issuances/s'.padStart(14)}${'CPU/issuance server+client'.padStart(30)}   windows`)
  for (const label of ['localcert', 'pebble']) {
    const s = summary[label]
    const cpu = `${s.serverCpuMs === undefined ? '?' : s.serverCpuMs.toFixed(1)} + ${s.clientCpuMs.toFixed(1)} ms`
    console.log(`${label.padEnd(12)}${ms(s.latencyP50)}${ms(s.latencyP99)}${s.perSecond.toFixed(1).padStart(14)}${cpu.padStart(30)}   ${s.windows.join(', ')}`)
  }
  console.log('note: against pebble, Node\'s keep-alive agent opens a new TLS connection for nearly every POST (its HEAD newNonce answer has no length), and that handshake is part of what a client pays there')
  console.log(`localcert / pebble throughput: ${ratios.throughput.toFixed(2)}x   pebble p50 / localcert p50: ${ratios.latencyP50.toFixed(1)}x`)
  console.log(`targets: throughput >= pebble (aim 2x): ${ratios.throughput >= 1 ? 'met' : 'MISSED'}; single issuance p50 < 50 ms: ${summary.localcert.latencyP50 < 50 ? 'met' : 'MISSED'}`)
  mkdirSync(path.join(root, '.bench'), {recursive: true})
  writeFileSync(path.join(root, '.bench', 'acme.json'), JSON.stringify({date: new Date().toISOString(), node: process.version, acmeClient: acmeClientVersion, rounds, windowMs, concurrency, summary, ratios, latency, throughput}, null, 2) + '\n')
} finally {
  await localcert.stop()
  await pebble.stop()
  rmSync(work, {recursive: true, force: true})
  if (options['cpu-prof']) console.log(`CPU profile of localcert serve written to ${localcert.profileDir}`)
}
