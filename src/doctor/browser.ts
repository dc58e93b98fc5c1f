import {spawn} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {createServer, type Server} from 'node:https'
import type {AddressInfo} from 'node:net'
import {loadAuthority} from '../ca/authority.js'
import {issueLeaf} from '../ca/leaf.js'
import {parseNames} from '../ca/names.js'
import {appendAudit} from '../state/audit.js'
import {fail, ok, type Check} from './check.js'

/** Chromium, Firefox and Safari resolve every *.localhost name to loopback themselves: no hosts entry is needed. */
export const BROWSER_CHECK_HOST = 'localcert.localhost'

/** How the default browser is opened: $BROWSER first (its first entry; `%s` marks the URL), else the platform's opener. */
export function browserCommand(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): {command: string; args: string[]} {
  const chosen = env.BROWSER?.split(platform === 'win32' ? ';' : ':').map((entry) => entry.trim()).find(Boolean)
  if (chosen) {
    const words = chosen.split(/\s+/)
    const args = words.slice(1).map((word) => word.replace(/%s/g, url))
    return {command: words[0]!, args: chosen.includes('%s') ? args : [...args, url]}
  }
  if (platform === 'darwin') return {command: 'open', args: [url]}
  // start takes its first quoted argument for a window title: the empty one (Node passes it as "") keeps the URL from being it
  if (platform === 'win32') return {command: 'cmd', args: ['/c', 'start', '', url]}
  return {command: 'xdg-open', args: [url]}
}

/** The browser's name and version from its User-Agent (Edge and Chrome also say Safari, so the order matters). */
function browserName(userAgent: string): string {
  for (const name of ['Firefox', 'Edg', 'HeadlessChrome', 'Chrome', 'Safari']) {
    const match = userAgent.match(new RegExp(`\\b${name}/([\\d.]+)`))
    if (match) return `${name === 'Edg' ? 'Edge' : name} ${match[1]}`
  }
  return 'unknown browser'
}

function page(token: string): string {
  return `<!doctype html><meta charset="utf-8"><title>localcert: browser check</title>
<body style="font: 18px system-ui, sans-serif; margin: 3em">
<h1 id="verdict">✓ This browser trusts your localcert root</h1>
<p>This page loaded over HTTPS with a certificate from your localcert CA, so this browser trusts it. You can close this tab.</p>
<script src="/seen-${token}.js"></script>
</body>`
}

export interface BrowserCheckOptions {
  home: string
  /** How long to wait for the page to load (default 60 s). */
  timeoutMs?: number
  platform?: NodeJS.Platform
  env?: NodeJS.ProcessEnv
  /** Told the URL once it is served (before the browser opens), so a person can open it by hand. */
  onUrl?: (url: string) => void
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', () => resolve()))
  return (server.address() as AddressInfo).port
}

/**
 * Serves `https://localcert.localhost:PORT` on loopback with a leaf from this CA, opens the default browser on it and
 * waits for the page to call back (a script it loads, so the request happens before the page is done). Seen: the
 * browser trusts the root. Not seen in time: it does not (or never opened), and the check says what to run.
 * @example const check = await browserCheck({home, timeoutMs: 60_000, onUrl: (url) => console.error(url)})
 */
export async function browserCheck(options: BrowserCheckOptions): Promise<Check> {
  const ca = await loadAuthority(options.home)
  if (!ca) return fail('browser', `there is no CA in ${options.home}`, 'localcert setup')
  const leaf = await issueLeaf(ca, parseNames([BROWSER_CHECK_HOST]), {days: 1})
  // not in the inventory (a throw-away leaf), but signed with the CA key: the audit log has every signature
  await appendAudit(ca.paths.audit, {event: 'issued', via: 'cli', purpose: 'browser-check', names: [BROWSER_CHECK_HOST], serial: leaf.serial, root: ca.meta.root.fingerprint, intermediate: ca.meta.intermediate.fingerprint})
  const token = randomBytes(8).toString('hex')
  let markSeen: (userAgent: string) => void = () => {}
  const seen = new Promise<string>((resolve) => (markSeen = resolve))
  const server = createServer({cert: leaf.chainPem, key: leaf.keyPem}, (request, response) => {
    if (request.url === `/seen-${token}.js`) {
      markSeen(request.headers['user-agent'] ?? 'a browser')
      response.writeHead(200, {'content-type': 'text/javascript', 'cache-control': 'no-store'}).end('document.title = "localcert: this browser trusts the root"\n')
      return
    }
    if (request.url === '/') return void response.writeHead(200, {'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store'}).end(page(token))
    response.writeHead(404).end()
  })
  const port = await listen(server)
  const url = `https://${BROWSER_CHECK_HOST}:${port}/`
  let timer: NodeJS.Timeout | undefined
  try {
    options.onUrl?.(url)
    const opener = browserCommand(url, options.platform, options.env)
    const openFailed = new Promise<string>((resolve) => {
      const child = spawn(opener.command, opener.args, {detached: true, stdio: 'ignore', env: options.env ?? process.env})
      child.once('error', (error) => resolve(`\`${opener.command}\` could not start (${(error as NodeJS.ErrnoException).code ?? error.message})`))
      child.unref()
    })
    const timeoutMs = options.timeoutMs ?? 60_000
    const timedOut = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)))
    const userAgent = await Promise.race([seen, timedOut])
    if (userAgent !== undefined) return ok('browser', `your browser loaded ${url} over HTTPS: it trusts localcert's root (${browserName(userAgent)})`)
    const why = await Promise.race([openFailed, Promise.resolve(undefined)])
    if (why) return fail('browser', `no browser opened ${url}: ${why}`, `open ${url} in your browser yourself, or set $BROWSER`)
    return fail('browser', `the browser did not load ${url} within ${Math.round(timeoutMs / 1000)} s: it does not trust localcert's root (a certificate warning), or it never opened the page`, 'localcert trust install')
  } finally {
    clearTimeout(timer)
    server.closeAllConnections()
    server.close()
  }
}
