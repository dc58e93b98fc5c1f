import {readFileSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {BIN, cli, onCleanup, sh, tempDir} from '../support/env.js'
import {hasTools, onLinux} from '../support/tools.js'

/** The system bundle a corporate SSL_CERT_FILE usually extends (Debian's). */
const SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'

/** A "corporate" root made with openssl (what a TLS-inspecting proxy's CA is to the laptop) and a leaf for 127.0.0.1 it signed. */
async function corporateCa(dir: string): Promise<{root: string; cert: string; key: string}> {
  const file = (name: string) => path.join(dir, name)
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes']
  const steps = [
    ['req', '-x509', ...ec, '-keyout', file('corp-key.pem'), '-out', file('corp.pem'), '-days', '30', '-subj', '/CN=Corp Proxy Root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ['req', ...ec, '-keyout', file('proxy-key.pem'), '-out', file('proxy.csr'), '-subj', '/CN=proxy'],
    ['x509', '-req', '-in', file('proxy.csr'), '-CA', file('corp.pem'), '-CAkey', file('corp-key.pem'), '-CAcreateserial', '-days', '7', '-out', file('proxy.pem'), '-extfile', file('proxy.ext')],
  ]
  writeFileSync(file('proxy.ext'), 'subjectAltName=IP:127.0.0.1,DNS:proxy.localhost\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n')
  for (const args of steps) {
    const result = await sh('openssl', args)
    expect(result.code, result.stderr).toBe(0)
  }
  return {root: file('corp.pem'), cert: file('proxy.pem'), key: file('proxy-key.pem')}
}

/** An HTTPS server on loopback answering `body`, closed after the file. */
async function httpsOn(cert: string, key: string, body: string): Promise<string> {
  const server: Server = createServer({cert: readFileSync(cert), key: readFileSync(key)}, (_request, response) => response.end(body))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  onCleanup(() => new Promise((resolve) => server.close(resolve)))
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

/** Bash that fetches each URL with node (https.get), curl and python3 requests, printing `<tool> <body>` per success. */
const FETCH_ALL = [
  'for url in "$CORP_URL" "$OURS_URL"; do',
  `  "$NODE" -e 'require("https").get(process.argv[1], (r) => { let b = ""; r.on("data", (c) => (b += c)); r.on("end", () => console.log("node " + b)) }).on("error", (e) => console.log("node failed: " + e.message))' "$url"`,
  '  echo "curl $(curl -sS --fail "$url" 2>&1)"',
  `  python3 -c 'import sys, requests
try: print("python " + requests.get(sys.argv[1]).text)
except Exception as error: print("python failed: " + type(error).__name__)' "$url"`,
  'done',
].join('\n')
const EVERY_TOOL_REACHES_BOTH = ['node corp', 'curl corp', 'python corp', 'node ours', 'curl ours', 'python ours']

describe.skipIf(!onLinux('localcert env behind a corporate CA') || !hasTools('localcert env behind a corporate CA', 'openssl', 'curl', 'python3', 'bash', 'env'))('localcert env keeps the CAs the user already trusts (built CLI)', () => {
  it('with NODE_EXTRA_CA_CERTS=corp.pem and SSL_CERT_FILE / REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE = a corporate bundle, node, curl and python requests reach a corp-signed and a localcert-signed server after eval, and after sourcing the profile env file alone', async () => {
    const dir = tempDir('localcert-corp-')
    const home = path.join(dir, 'state')
    const corp = await corporateCa(dir)
    const corpBundle = path.join(dir, 'corp-bundle.pem')
    writeFileSync(corpBundle, readFileSync(SYSTEM_BUNDLE, 'utf8') + readFileSync(corp.root, 'utf8'))
    expect((await cli(['setup', '--no-trust', '--json'], {home})).code).toBe(0)
    const issued = await cli(['cert', '127.0.0.1', '--cert-file', path.join(dir, 'ours.pem'), '--key-file', path.join(dir, 'ours-key.pem'), '--json'], {home})
    expect(issued.code, issued.stderr).toBe(0)
    const urls = {CORP_URL: await httpsOn(corp.cert, corp.key, 'corp'), OURS_URL: await httpsOn(path.join(dir, 'ours.pem'), path.join(dir, 'ours-key.pem'), 'ours')}
    const clean = ['env', '-i', `PATH=${process.env.PATH}`, `HOME=${dir}`, `LOCALCERT_HOME=${home}`, `NODE=${process.execPath}`, `CORP_URL=${urls.CORP_URL}`, `OURS_URL=${urls.OURS_URL}`]
    const corporate = [`NODE_EXTRA_CA_CERTS=${corp.root}`, `SSL_CERT_FILE=${corpBundle}`, `REQUESTS_CA_BUNDLE=${corpBundle}`, `CURL_CA_BUNDLE=${corpBundle}`]

    const script = `eval "$("$NODE" '${BIN}' env --shell bash)" || exit 9\necho "vars $NODE_EXTRA_CA_CERTS $SSL_CERT_FILE $REQUESTS_CA_BUNDLE $CURL_CA_BUNDLE"\n${FETCH_ALL}`
    const afterEval = await sh(clean[0]!, [...clean.slice(1), ...corporate, 'bash', '--norc', '--noprofile', '-c', script])
    expect(afterEval.code, afterEval.stderr).toBe(0)
    const roots = path.join(home, 'trust', 'roots.pem')
    const bundle = path.join(home, 'trust', 'bundle.pem')
    // the variables now name our files, and those files hold the corporate root as well as ours
    expect(afterEval.stdout).toContain(`vars ${roots} ${bundle} ${bundle} ${bundle}\n`)
    expect(afterEval.stdout.split('\n').filter((line) => /^(node|curl|python) /.test(line))).toEqual(EVERY_TOOL_REACHES_BOTH)

    // what the shell-profile line sources, in a shell that has no corporate variable any more
    const profile = `. '${path.join(home, 'trust', 'env.sh')}' || exit 9\n${FETCH_ALL}`
    const fromProfile = await sh(clean[0]!, [...clean.slice(1), 'bash', '--norc', '--noprofile', '-c', profile])
    expect(fromProfile.code, fromProfile.stderr).toBe(0)
    expect(fromProfile.stdout.split('\n').filter((line) => /^(node|curl|python) /.test(line))).toEqual(EVERY_TOOL_REACHES_BOTH)

    // --json says which files were kept (the corporate root once: the bundle's public roots are in bundle.pem already)
    const json = await cli(['env', '--json'], {home, env: {NODE_EXTRA_CA_CERTS: corp.root, SSL_CERT_FILE: corpBundle, REQUESTS_CA_BUNDLE: undefined, CURL_CA_BUNDLE: undefined, GIT_SSL_CAINFO: undefined, DENO_CERT: undefined}})
    expect(JSON.parse(json.stdout).keptCas).toEqual([{variable: 'NODE_EXTRA_CA_CERTS', file: corp.root, certificates: 1}, {variable: 'SSL_CERT_FILE', file: corpBundle, certificates: 1}])
  })
})
