import {access, readdir, readFile} from 'node:fs/promises'
import path from 'node:path'

/**
 * glibc's nss-myhostname module (Debian/Ubuntu package `libnss-myhostname`) answers every `*.localhost` name with
 * loopback for every program that resolves through glibc; browsers and curl (7.78+) do it themselves, Node/Python/Java do not.
 */
export interface MyhostnameStatus {
  /** `myhostname` is listed in the `hosts:` line of nsswitch.conf. */
  configured: boolean
  /** libnss_myhostname.so.2 is in one of the library directories. */
  installed: boolean
  /** Both: `*.localhost` resolves to loopback without a hosts entry. */
  active: boolean
}

/** Where glibc looks for NSS modules: the multiarch directories (found by listing) and the classic ones. */
const LIB_ROOTS = ['/lib', '/usr/lib', '/lib64', '/usr/lib64', '/usr/local/lib']
const MODULE = 'libnss_myhostname.so.2'

/**
 * True when the `hosts:` line of an nsswitch.conf text lists `myhostname` as a source (comments and `[…]` actions aside).
 * @example hostsLineHasMyhostname('hosts: files myhostname dns\n') // true
 */
export function hostsLineHasMyhostname(nsswitch: string): boolean {
  const line = nsswitch.split(/\r?\n/).find((entry) => /^\s*hosts\s*:/.test(entry))
  if (!line) return false
  const sources = line.replace(/#.*/, '').replace(/^\s*hosts\s*:/, '').replace(/\[[^\]]*\]/g, ' ')
  return sources.split(/\s+/).includes('myhostname')
}

async function moduleInstalled(roots: readonly string[]): Promise<boolean> {
  const candidates: string[] = []
  for (const root of roots) {
    candidates.push(path.join(root, MODULE))
    // Debian's multiarch triplets: /usr/lib/x86_64-linux-gnu, /lib/aarch64-linux-gnu…
    for (const entry of await readdir(root).catch(() => [] as string[])) if (entry.endsWith('-linux-gnu')) candidates.push(path.join(root, entry, MODULE))
  }
  const found = await Promise.all(candidates.map((file) => access(file).then(() => true, () => false)))
  return found.includes(true)
}

/**
 * Whether nss-myhostname resolves `*.localhost` here (always inactive off Linux: macOS and Windows have no NSS).
 * @example if (!(await myhostnameStatus()).active) console.log('sudo apt install libnss-myhostname')
 */
export async function myhostnameStatus(options: {platform?: NodeJS.Platform; nsswitchFile?: string; libRoots?: readonly string[]} = {}): Promise<MyhostnameStatus> {
  if ((options.platform ?? process.platform) !== 'linux') return {configured: false, installed: false, active: false}
  const nsswitch = await readFile(options.nsswitchFile ?? '/etc/nsswitch.conf', 'utf8').catch(() => '')
  const configured = hostsLineHasMyhostname(nsswitch)
  const installed = await moduleInstalled(options.libRoots ?? LIB_ROOTS)
  return {configured, installed, active: configured && installed}
}

/**
 * How every *.localhost name can resolve on Linux without a hosts entry, fitted to this machine's status (install
 * the module, or enable the installed one); undefined when it is active or off Linux (no NSS there).
 * @example myhostnameAdvice({configured: false, installed: false, active: false}, 'linux') // '`sudo apt install libnss-myhostname` …'
 */
export function myhostnameAdvice(status: MyhostnameStatus | undefined, platform: NodeJS.Platform = process.platform): string | undefined {
  if (platform !== 'linux' || status?.active) return undefined
  if (status?.installed) return 'add `myhostname` after `files` on the `hosts:` line of /etc/nsswitch.conf (libnss-myhostname is installed but not enabled), so every *.localhost name resolves to loopback for every program'
  return '`sudo apt install libnss-myhostname` (Debian/Ubuntu; Fedora and Arch ship it with systemd as nss-myhostname) makes every *.localhost name resolve to loopback for every program'
}
