// Runs Let's Encrypt's pebble (Debian package `pebble`) on loopback as a peer to benchmark and test against:
// a throw-away CA and localhost leaf for pebble's own HTTPS (the package ships none), EAB required, always-valid
// authorizations (the closest pebble has to our zero-challenge mode), no artificial sleeps, no nonce chaos.
import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {createWriteStream, rmSync} from 'node:fs'
import {mkdtemp, readFile, rm, writeFile} from 'node:fs/promises'
import https from 'node:https'
import net from 'node:net'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {execa} from 'execa'

/** A free TCP port on 127.0.0.1 (the OS picks it; released just before pebble binds it). */
export async function freePort() {
  const server = net.createServer()
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve))
  const {port} = server.address()
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** GET over HTTPS trusting only `ca`; resolves {status, body}. */
export function httpsGet(url, ca) {
  return new Promise((resolve, reject) => {
    const request = https.get(url, {ca, timeout: 2000}, (response) => {
      let body = ''
      response.setEncoding('utf8').on('data', (chunk) => (body += chunk)).on('end', () => resolve({status: response.statusCode, body}))
    })
    request.on('timeout', () => request.destroy(new Error(`timeout fetching ${url}`))).on('error', reject)
  })
}

/** A throw-away P-256 CA and a localhost / 127.0.0.1 / ::1 leaf it signs, with openssl. */
async function mintTlsCertificate(dir) {
  const file = (name) => path.join(dir, name)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  await execa('openssl', ['req', '-x509', ...ec, '-keyout', file('ca-key.pem'), '-out', file('ca.pem'), '-days', '2', '-subj', '/CN=pebble harness CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
  await execa('openssl', ['req', ...ec, '-keyout', file('key.pem'), '-out', file('leaf.csr'), '-subj', '/CN=localhost'])
  await writeFile(file('leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n')
  await execa('openssl', ['x509', '-req', '-in', file('leaf.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca-key.pem'), '-set_serial', `0x${randomBytes(16).toString('hex')}`,
    '-days', '2', '-extfile', file('leaf.ext'), '-out', file('cert.pem')])
  return {caPem: await readFile(file('ca.pem'), 'utf8'), certificate: file('cert.pem'), privateKey: file('key.pem')}
}

/**
 * Starts pebble on free loopback ports and waits until its directory answers.
 * @example
 * const pebble = await startPebble()
 * // pebble.directoryUrl, pebble.caPem (trust this for pebble's HTTPS), pebble.rootPem (the issuing root), pebble.eab
 * await pebble.stop()
 */
export async function startPebble({eab = true, env = {}} = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'localcert-pebble-'))
  try {
    const tls = await mintTlsCertificate(dir)
    const [port, managementPort, httpPort, tlsPort] = [await freePort(), await freePort(), await freePort(), await freePort()]
    const credentials = {kid: `kid-${randomBytes(4).toString('hex')}`, hmacKey: hmacKeyForCli()}
    const config = {
      pebble: {
        listenAddress: `127.0.0.1:${port}`,
        managementListenAddress: `127.0.0.1:${managementPort}`,
        certificate: tls.certificate,
        privateKey: tls.privateKey,
        httpPort,
        tlsPort,
        ocspResponderURL: '',
        externalAccountBindingRequired: eab,
        ...(eab ? {externalAccountMACKeys: {[credentials.kid]: credentials.hmacKey}} : {}),
      },
    }
    await writeFile(path.join(dir, 'pebble-config.json'), JSON.stringify(config, null, 2))
    const log = path.join(dir, 'pebble.log')
    const child = spawn('pebble', ['-config', path.join(dir, 'pebble-config.json'), '-strict=false'], {
      cwd: dir,
      env: {...process.env, PEBBLE_VA_ALWAYS_VALID: '1', PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', ...env},
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    const logStream = createWriteStream(log)
    child.stdout.pipe(logStream)
    child.stderr.pipe(logStream)
    // never leave pebble behind, even when the caller crashes before stop()
    const killOnExit = () => {
      child.kill('SIGTERM')
      rmSync(dir, {recursive: true, force: true})
    }
    process.once('exit', killOnExit)
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({code, signal})))
    exited.then(() => process.off('exit', killOnExit))
    const spawnError = new Promise((resolve) => child.once('error', resolve))
    const directoryUrl = `https://127.0.0.1:${port}/dir`
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
      await rm(dir, {recursive: true, force: true})
    }
    const deadline = Date.now() + 15_000
    for (;;) {
      const failed = await Promise.race([exited.then((how) => `pebble exited (${JSON.stringify(how)})`), spawnError.then((error) => `pebble could not start: ${error.message}`), sleep(100).then(() => undefined)])
      if (failed) {
        const output = await readFile(log, 'utf8').catch(() => '')
        await stop()
        throw new Error(`${failed}\n${output.split('\n').slice(-15).join('\n')}`)
      }
      const answer = await httpsGet(directoryUrl, tls.caPem).catch(() => undefined)
      if (answer?.status === 200) break
      if (Date.now() > deadline) {
        await stop()
        throw new Error(`pebble did not answer ${directoryUrl} within 15 s`)
      }
    }
    const root = await httpsGet(`https://127.0.0.1:${managementPort}/roots/0`, tls.caPem)
    return {directoryUrl, caPem: tls.caPem, rootPem: root.body, eab: eab ? credentials : undefined, pid: child.pid, stop}
  } catch (error) {
    await rm(dir, {recursive: true, force: true})
    throw error
  }
}

/** 48 random bytes, base64url, never starting with '-' (certbot and lego would take `--eab-hmac-key -…` for an option). */
function hmacKeyForCli() {
  for (;;) {
    const key = randomBytes(48).toString('base64url')
    if (!key.startsWith('-')) return key
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
