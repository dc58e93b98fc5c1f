import {readFile, rm, stat} from 'node:fs/promises'
import path from 'node:path'
import {writeFileSafely} from '../../state/files.js'
import type {StoredCert, TrustRoot} from '../root.js'
import {detectShell, runtimePaths, SHELLS, type ShellName} from '../shell-env.js'
import {VerificationError, type StoreTarget, type TrustContext} from '../store.js'

/** Every line we add ends with this, so we find (and remove) exactly our lines. */
const PROFILE_MARKER = '# added by localcert'

/** The profile file each shell reads at start-up (fish: a conf.d file of our own). */
function profileFile(ctx: TrustContext, shell: ShellName): string {
  const home = ctx.homeDir
  if (shell === 'zsh') return path.join(ctx.env.ZDOTDIR || home, '.zshrc')
  if (shell === 'fish') return path.join(ctx.env.XDG_CONFIG_HOME || path.join(home, '.config'), 'fish', 'conf.d', 'localcert.fish')
  if (shell === 'powershell') {
    return ctx.platform === 'win32' ? path.join(home, 'Documents', 'PowerShell', 'Microsoft.PowerShell_profile.ps1') : path.join(home, '.config', 'powershell', 'Microsoft.PowerShell_profile.ps1')
  }
  return path.join(home, '.bashrc')
}

/** The one line that loads the runtime variables (a static file, so no process starts with every shell). */
function profileLine(ctx: TrustContext, shell: ShellName): string {
  const file = runtimePaths(ctx.localcertHome).envFile(shell)
  const quoted = shell === 'powershell' ? `'${file.replace(/'/g, "''")}'` : `'${file.replace(/'/g, `'\\''`)}'`
  if (shell === 'fish') return `test -f ${quoted}; and source ${quoted}  ${PROFILE_MARKER}`
  if (shell === 'powershell') return `if (Test-Path ${quoted}) { . ${quoted} }  ${PROFILE_MARKER}`
  return `[ -f ${quoted} ] && . ${quoted}  ${PROFILE_MARKER}`
}

/** A shell profile that sources our env file: present for a root when the line is there and the root is in the bundle. */
export class ShellProfileTarget implements StoreTarget {
  readonly store = 'runtimes' as const
  readonly location: string
  readonly choice: StoreTarget['choice']
  readonly file: string

  constructor(
    private readonly ctx: TrustContext,
    readonly shell: ShellName,
    private readonly bundleRoots: () => Promise<StoredCert[]>,
  ) {
    this.file = profileFile(ctx, shell)
    this.location = `${this.file} (${shell} profile)`
    this.choice = ctx.options.shellProfile ? undefined : {install: 'no', hint: 'add --shell-profile to load the variables in every new shell'}
  }

  private async text(): Promise<string> {
    return readFile(this.file, 'utf8').catch(() => '')
  }

  async hasLine(): Promise<boolean> {
    return (await this.text()).split('\n').some((line) => line.endsWith(PROFILE_MARKER))
  }

  async list(): Promise<StoredCert[]> {
    return (await this.hasLine()) ? this.bundleRoots() : []
  }

  async install(_root: TrustRoot): Promise<void> {
    if (await this.hasLine()) return
    this.ctx.plan(`append to ${this.file}: ${profileLine(this.ctx, this.shell)}`)
    if (this.ctx.dryRun) return
    const text = await this.text()
    const mode = await stat(this.file).then((info) => info.mode & 0o777, () => 0o644)
    await writeFileSafely(this.file, `${text}${text && !text.endsWith('\n') ? '\n' : ''}${profileLine(this.ctx, this.shell)}\n`, mode)
  }

  /**
   * Our line counts as present only while the bundle holds the root, and uninstall empties the bundle first: the
   * line itself is then a trace to clean, unless other distributed roots still need it.
   */
  async leftovers(root: TrustRoot): Promise<string[]> {
    if (!(await this.hasLine())) return []
    const others = (await this.bundleRoots()).filter((cert) => cert.fingerprint !== root.fingerprint)
    return others.length === 0 ? [this.file] : []
  }

  /** Removes our line once no distributed root is left (other roots still need it). */
  async uninstall(root: TrustRoot): Promise<void> {
    const others = (await this.bundleRoots()).filter((cert) => cert.fingerprint !== root.fingerprint)
    if (others.length === 0) await this.removeLine()
  }

  async removeLine(): Promise<void> {
    const text = await this.text()
    const kept = text.split('\n').filter((line) => !line.endsWith(PROFILE_MARKER))
    if (kept.length === text.split('\n').length) return
    this.ctx.plan(`remove the localcert line from ${this.file}`)
    if (this.ctx.dryRun) return
    const rest = kept.join('\n')
    if (this.shell === 'fish' && rest.trim() === '') await rm(this.file, {force: true})
    else await writeFileSafely(this.file, rest, await stat(this.file).then((info) => info.mode & 0o777, () => 0o644))
  }

  async verify(root: TrustRoot, present: boolean): Promise<void> {
    if (present !== (await this.list()).some((cert) => cert.fingerprint === root.fingerprint)) {
      throw new VerificationError(present ? `${this.file} does not load the localcert variables` : `${this.file} still loads the localcert variables`)
    }
  }
}

/**
 * The current shell's profile (for install), plus every other profile that already carries our line; `bundleRoots`
 * lists the roots the runtime bundle holds (a profile line is worth something only while it holds ours).
 */
export async function shellProfileTargets(ctx: TrustContext, bundleRoots: () => Promise<StoredCert[]>): Promise<ShellProfileTarget[]> {
  const current = (ctx.options.shell as ShellName | undefined) ?? detectShell(ctx.env, ctx.platform)
  const targets: ShellProfileTarget[] = []
  for (const shell of SHELLS) {
    const target = new ShellProfileTarget(ctx, shell, bundleRoots)
    if (shell === current || (await target.hasLine())) targets.push(target)
  }
  return targets
}
