import path from 'node:path'

export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const
export type ShellName = (typeof SHELLS)[number]

/** The files under `<localcert home>/trust` that runtimes read. */
export function runtimePaths(localcertHome: string) {
  const dir = path.join(localcertHome, 'trust')
  return {
    dir,
    /** One file per distributed root. */
    roots: path.join(dir, 'roots'),
    /** Only our roots: for variables that ADD to a runtime's own list (NODE_EXTRA_CA_CERTS, DENO_CERT). */
    rootsPem: path.join(dir, 'roots.pem'),
    /** The system bundle plus our roots: for variables that REPLACE the list (SSL_CERT_FILE…), so public sites still work. */
    bundle: path.join(dir, 'bundle.pem'),
    envFile: (shell: ShellName) => path.join(dir, `env.${shell === 'powershell' ? 'ps1' : shell === 'fish' ? 'fish' : 'sh'}`),
  }
}

/**
 * The variables that make runtimes which ignore the OS store trust our roots (research §1.6).
 * @example runtimeVariables('/home/me/.local/share/localcert', 'linux').NODE_EXTRA_CA_CERTS
 */
export function runtimeVariables(localcertHome: string, platform: NodeJS.Platform): Record<string, string> {
  const files = runtimePaths(localcertHome)
  return {
    NODE_EXTRA_CA_CERTS: files.rootsPem,
    DENO_CERT: files.rootsPem,
    SSL_CERT_FILE: files.bundle,
    REQUESTS_CA_BUNDLE: files.bundle,
    CURL_CA_BUNDLE: files.bundle,
    // Git for Windows uses the Windows store (schannel) by default; elsewhere it reads a PEM bundle
    ...(platform === 'win32' ? {} : {GIT_SSL_CAINFO: files.bundle}),
  }
}

/** Advice that depends on the Node.js running us: `--use-system-ca` exists from 23.8 (22.15 backport). */
export function nodeHints(version = process.versions.node): string[] {
  const [major = 0, minor = 0] = version.split('.').map(Number)
  if (major >= 24 || (major === 23 && minor >= 8) || (major === 22 && minor >= 15)) {
    return [`Node ${version} can also use the OS trust store: node --use-system-ca (after \`localcert trust install\`), instead of NODE_EXTRA_CA_CERTS`]
  }
  return []
}

function quote(value: string, shell: ShellName): string {
  if (shell === 'fish') return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
  if (shell === 'powershell') return `'${value.replace(/'/g, "''")}'`
  return `'${value.replace(/'/g, `'\\''`)}'`
}

/**
 * Shell code that sets `variables` (and shows `comments` as comments), for eval/source in that shell; each of
 * `fromFiles` (name → file) is set to the file's content when the shell runs it, so a secret never passes through
 * our output.
 * @example formatEnv({A: 'x y'}, 'bash', [], {KEY: '/p/key'}) // "export A='x y'\nexport KEY=\"$(cat '/p/key')\"\n"
 */
export function formatEnv(variables: Record<string, string>, shell: ShellName, comments: string[] = [], fromFiles: Record<string, string> = {}): string {
  const lines = comments.map((comment) => `# ${comment}`)
  for (const [name, value] of Object.entries(variables)) {
    if (shell === 'fish') lines.push(`set -gx ${name} ${quote(value, shell)}`)
    else if (shell === 'powershell') lines.push(`$env:${name} = ${quote(value, shell)}`)
    else lines.push(`export ${name}=${quote(value, shell)}`)
  }
  for (const [name, file] of Object.entries(fromFiles)) {
    if (shell === 'fish') lines.push(`set -gx ${name} (cat ${quote(file, shell)})`)
    else if (shell === 'powershell') lines.push(`$env:${name} = Get-Content -Raw -LiteralPath ${quote(file, shell)}`)
    else lines.push(`export ${name}="$(cat ${quote(file, shell)})"`)
  }
  return lines.join('\n') + '\n'
}

/** The user's shell from $SHELL (PowerShell on Windows when unset). */
export function detectShell(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): ShellName {
  const name = path.basename(env.SHELL ?? '')
  if (name === 'zsh' || name === 'fish' || name === 'bash') return name
  if (name.startsWith('pwsh') || (platform === 'win32' && !name)) return 'powershell'
  return 'bash'
}
