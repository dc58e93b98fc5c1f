import type {TrustContext} from '../store.js'

/**
 * How each Linux family trusts a system-wide root (research §1.3): where the anchor file goes, which command
 * rebuilds the bundle, which bundle clients read, and which package provides NSS's certutil there.
 */
export interface LinuxFamily {
  id: 'debian' | 'rhel' | 'arch' | 'suse' | 'alpine'
  title: string
  /** Directory our anchor file goes into (Arch: where p11-kit keeps its anchors, read only for status). */
  anchorDir: string
  extension: '.crt' | '.pem'
  /** The bundle OpenSSL, curl, Go… read; our root shows up here once trusted. */
  bundle: string
  /** The command that must exist for this family to work. */
  tool: string
  /** Package that provides `tool` (for the "not found" hint). */
  toolPackage: string
  certutilPackage: string
  /** Adds the anchor: run after the file is written (or, for Arch, instead of writing it). */
  installCommands(file: string): Array<[string, string[]]>
  /** Rebuilds after our anchor files were deleted. */
  removeCommands(file: string): Array<[string, string[]]>
  /** Arch adds/removes with `trust anchor` from a file instead of writing into anchorDir. */
  viaTrustAnchor?: boolean
  /** Debian: the refresh command links each anchor here (name link + OpenSSL hash link); removal deletes ours. */
  linksDir?: string
}

export const LINUX_FAMILIES: Record<LinuxFamily['id'], LinuxFamily> = {
  debian: {
    id: 'debian',
    title: 'Debian/Ubuntu',
    anchorDir: '/usr/local/share/ca-certificates',
    extension: '.crt',
    bundle: '/etc/ssl/certs/ca-certificates.crt',
    tool: 'update-ca-certificates',
    toolPackage: 'ca-certificates',
    certutilPackage: 'libnss3-tools',
    installCommands: () => [['update-ca-certificates', []]],
    // Not --fresh: it also re-syncs everything else (on our test machine it added 22 unrelated CAs to Java's
    // drifted keystore). We delete our own links (linksDir) first, so no link dangles, and the Java alias after.
    removeCommands: () => [['update-ca-certificates', []]],
    linksDir: '/etc/ssl/certs',
  },
  rhel: {
    id: 'rhel',
    title: 'RHEL/Fedora',
    anchorDir: '/etc/pki/ca-trust/source/anchors',
    extension: '.pem',
    bundle: '/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem',
    tool: 'update-ca-trust',
    toolPackage: 'ca-certificates',
    certutilPackage: 'nss-tools',
    installCommands: () => [['update-ca-trust', ['extract']]],
    removeCommands: () => [['update-ca-trust', ['extract']]],
  },
  arch: {
    id: 'arch',
    title: 'Arch',
    anchorDir: '/etc/ca-certificates/trust-source',
    extension: '.crt',
    bundle: '/etc/ssl/certs/ca-certificates.crt',
    tool: 'trust',
    toolPackage: 'p11-kit',
    certutilPackage: 'nss',
    viaTrustAnchor: true,
    installCommands: (file) => [['trust', ['anchor', '--store', file]]],
    removeCommands: (file) => [['trust', ['anchor', '--remove', file]]],
  },
  suse: {
    id: 'suse',
    title: 'openSUSE/SLES',
    anchorDir: '/etc/pki/trust/anchors',
    extension: '.pem',
    bundle: '/etc/ssl/ca-bundle.pem',
    tool: 'update-ca-certificates',
    toolPackage: 'ca-certificates',
    certutilPackage: 'mozilla-nss-tools',
    installCommands: () => [['update-ca-certificates', []]],
    removeCommands: () => [['update-ca-certificates', []]],
  },
  alpine: {
    id: 'alpine',
    title: 'Alpine',
    anchorDir: '/usr/local/share/ca-certificates',
    extension: '.crt',
    bundle: '/etc/ssl/certs/ca-certificates.crt',
    tool: 'update-ca-certificates',
    toolPackage: 'ca-certificates',
    certutilPackage: 'nss-tools',
    installCommands: () => [['update-ca-certificates', []]],
    removeCommands: () => [['update-ca-certificates', []]],
  },
}

const BY_OS_RELEASE: Array<[RegExp, LinuxFamily['id']]> = [
  [/^(debian|ubuntu|linuxmint|pop|raspbian|kali|elementary|zorin|neon)$/, 'debian'],
  [/^(rhel|fedora|centos|rocky|almalinux|ol|amzn|nobara)$/, 'rhel'],
  [/^(arch|manjaro|endeavouros|garuda|artix)$/, 'arch'],
  [/^(suse|opensuse|opensuse-leap|opensuse-tumbleweed|sles|sled)$/, 'suse'],
  [/^alpine$/, 'alpine'],
]

function osReleaseIds(text: string): string[] {
  const field = (key: string) => text.match(new RegExp(`^${key}=("?)([^"\\n]*)\\1$`, 'm'))?.[2] ?? ''
  return [field('ID'), ...field('ID_LIKE').split(/\s+/)].map((id) => id.toLowerCase()).filter(Boolean)
}

/**
 * Which family this machine is: /etc/os-release (ID, then ID_LIKE) first, then the refresh command present.
 * Returns undefined when no known family fits.
 * @example (await detectLinuxFamily(ctx))?.id // 'debian'
 */
export async function detectLinuxFamily(ctx: TrustContext): Promise<LinuxFamily | undefined> {
  const text = (await ctx.fs.readText('/etc/os-release')) ?? (await ctx.fs.readText('/usr/lib/os-release')) ?? ''
  for (const id of osReleaseIds(text)) {
    for (const [pattern, family] of BY_OS_RELEASE) if (pattern.test(id)) return LINUX_FAMILIES[family]
  }
  if (await ctx.which('update-ca-trust')) return (await ctx.fs.exists('/etc/pki/ca-trust/source/anchors')) ? LINUX_FAMILIES.rhel : LINUX_FAMILIES.arch
  if (await ctx.which('update-ca-certificates')) return (await ctx.fs.exists('/etc/pki/trust/anchors')) ? LINUX_FAMILIES.suse : LINUX_FAMILIES.debian
  if (await ctx.which('trust')) return LINUX_FAMILIES.arch
  return undefined
}
