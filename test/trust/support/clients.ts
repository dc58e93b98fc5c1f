import {mkdtempSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {sh, tempDir, type CliResult} from '../../support/env.js'

// Real TLS clients the trust tests point at startHttps(): each one trusts only what its store says, and talks only to 127.0.0.1.

const HERE = path.dirname(fileURLToPath(import.meta.url))
/** Variables that would make a client read a bundle other than the default one: the default is what is under test. */
const BUNDLE_VARIABLES = ['CURL_CA_BUNDLE', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'REQUESTS_CA_BUNDLE', 'NODE_EXTRA_CA_CERTS', 'JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS']
const unset = BUNDLE_VARIABLES.flatMap((name) => ['-u', name])

/** curl with its default trust (the system bundle), `app.localhost` pinned to 127.0.0.1. */
export function curlGet(port: number): Promise<CliResult> {
  const url = `https://app.localhost:${port}/`
  return sh('env', [...unset, 'curl', '-sS', '--max-time', '10', '--noproxy', '*', '--resolve', `app.localhost:${port}:127.0.0.1`, url])
}

/** `openssl s_client` with the default verify paths; -verify_return_error makes an untrusted chain a failure. */
export function opensslConnect(port: number): Promise<CliResult> {
  return sh('env', [...unset, 'timeout', '15', 'openssl', 's_client', '-connect', `127.0.0.1:${port}`, '-servername', 'app.localhost', '-verify_hostname', 'app.localhost', '-verify_return_error'])
}

/**
 * Compiles TlsProbe.java once (javac into a temp dir; a single-file launch would compile on every call) and
 * returns a Java TLS client connecting as app.localhost with hostname verification; `trustStore` replaces cacerts.
 */
export async function javaClient(): Promise<(port: number, trustStore?: string) => Promise<CliResult>> {
  const classes = tempDir('localcert-java-probe-')
  const compiled = await sh('javac', ['-d', classes, path.join(HERE, 'TlsProbe.java')])
  if (compiled.code !== 0) throw new Error(`javac TlsProbe.java failed: ${compiled.stderr}`)
  return (port, trustStore) => {
    const store = trustStore ? [`-Djavax.net.ssl.trustStore=${trustStore}`, '-Djavax.net.ssl.trustStorePassword=changeit'] : []
    return sh('env', [...unset, 'timeout', '30', 'java', '-XX:TieredStopAtLevel=1', '-XX:+UseSerialGC', ...store, '-cp', classes, 'TlsProbe', 'app.localhost', String(port)])
  }
}

/** Flags from the issue, plus a resolver rule that fails every name but *.localhost, so nothing leaves the machine. */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE *.localhost',
]

/**
 * Headless Chromium loading https://app.localhost:PORT/ with `userHome` as $HOME (its NSS database is what
 * decides) and a fresh profile; stdout is the page's DOM, stderr says why a load failed.
 */
export function chromiumDumpDom(port: number, userHome: string): Promise<CliResult> {
  const profile = mkdtempSync(path.join(userHome, 'chromium-profile-'))
  const env = {HOME: userHome, XDG_CONFIG_HOME: '', XDG_DATA_HOME: '', XDG_CACHE_HOME: ''}
  return sh('timeout', ['30', 'chromium', ...CHROMIUM_FLAGS, `--user-data-dir=${profile}`, '--dump-dom', `https://app.localhost:${port}/`], {env})
}
