import {LocalcertError} from '../../errors.js'
import {commandError} from '../context.js'
import {toPem} from '../../lib/pem.js'
import {describeCert, type StoredCert, type TrustRoot} from '../root.js'
import {withRootFile} from '../root-file.js'
import {VerificationError, type StoreTarget, type TrustContext, type TrustStore} from '../store.js'

/** How we reach Windows: natively, or from inside WSL through interop (`powershell.exe`, `certutil.exe`, wslpath). */
interface WindowsHost {
  fromWsl: boolean
  /** A Linux path as Windows programs see it (identity on Windows). */
  hostPath(ctx: TrustContext, file: string): Promise<string>
}

const NATIVE_WINDOWS: WindowsHost = {fromWsl: false, hostPath: async (_ctx, file) => file}

const FROM_WSL: WindowsHost = {
  fromWsl: true,
  async hostPath(ctx, file) {
    const result = await ctx.read('wslpath', ['-w', file])
    if (result.exitCode !== 0) throw new LocalcertError('COMMAND_FAILED', `wslpath could not translate ${file} for Windows`, 'check that WSL interop is enabled')
    return result.stdout.trim()
  },
}

/** True inside WSL: the browser usually runs on Windows, so trusting the root in Linux alone is not enough. */
async function isWsl(ctx: TrustContext): Promise<boolean> {
  if (ctx.platform !== 'linux') return false
  if (ctx.env.WSL_DISTRO_NAME || (await ctx.fs.exists('/proc/sys/fs/binfmt_misc/WSLInterop'))) return true
  return /microsoft/i.test((await ctx.fs.readText('/proc/version')) ?? '')
}

const POWERSHELL = ['-NoProfile', '-NonInteractive', '-Command']

/**
 * CurrentUser\Root (no elevation; Windows asks the user to confirm each change in a Security Warning dialog) or
 * LocalMachine\Root (--machine: needs an elevated terminal, no dialog, and Windows services see it).
 */
class WindowsStoreTarget implements StoreTarget {
  readonly store = 'windows' as const
  readonly location: string
  readonly choice: StoreTarget['choice']

  constructor(
    private readonly ctx: TrustContext,
    readonly scope: 'CurrentUser' | 'LocalMachine',
    private readonly host: WindowsHost = NATIVE_WINDOWS,
  ) {
    this.location = `${scope}\\Root${host.fromWsl ? ' (Windows, through WSL interop)' : ''}`
    const machine = Boolean(ctx.options.machine)
    if (host.fromWsl) {
      this.choice = {install: 'ask', hint: 'add --stores windows to trust it on the Windows side too', question: 'This is WSL: also trust the root on the Windows side (CurrentUser\\Root), so Windows browsers accept your servers? Windows will show a confirmation dialog.'}
    } else if ((scope === 'LocalMachine') !== machine) {
      this.choice = {install: 'no', hint: scope === 'LocalMachine' ? 'add --machine (elevated terminal) to trust it machine-wide, for services too' : 'not used with --machine'}
    }
  }

  private get userFlag(): string[] {
    return this.scope === 'CurrentUser' ? ['-user'] : []
  }

  async list(): Promise<StoredCert[]> {
    // Cert:\CurrentUser\Root also shows LocalMachine's roots (a logical store); keep only the user's own entries,
    // which live under HKCU, so `--machine` installs are not reported (and deleted) as CurrentUser ones.
    const own = this.scope === 'CurrentUser' ? ` | Where-Object { Test-Path "HKCU:\\Software\\Microsoft\\SystemCertificates\\Root\\Certificates\\$($_.Thumbprint)" }` : ''
    const script = `Get-ChildItem -Path Cert:\\${this.scope}\\Root${own} | ForEach-Object { [Convert]::ToBase64String($_.RawData) }`
    const result = await this.ctx.read('powershell.exe', [...POWERSHELL, script], {timeoutMs: 60_000})
    if (result.exitCode !== 0) throw commandError(result, `cannot list ${this.scope}\\Root`)
    return result.stdout
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter(Boolean)
      .flatMap((line) => describeCert(toPem(Buffer.from(line, 'base64')), `${this.scope}\\Root`) ?? [])
  }

  async install(root: TrustRoot): Promise<void> {
    if (this.scope === 'LocalMachine') await this.assertElevated()
    if (this.scope === 'CurrentUser') {
      if (!this.host.fromWsl && !this.ctx.interactive) {
        throw new LocalcertError('NEEDS_CONFIRMATION', 'Windows asks for confirmation in a dialog before adding to CurrentUser\\Root, and this session cannot show one', 'run it in an interactive terminal, or use --machine from an elevated terminal (no dialog)')
      }
      if (!this.ctx.dryRun) this.ctx.log(`Windows will show a Security Warning ("You are about to install a certificate from a certification authority…"): check that the thumbprint is ${root.sha1} and click Yes.`)
    }
    const result = await withRootFile(root, async (file) => this.ctx.change('certutil.exe', [...this.userFlag, '-f', '-addstore', 'Root', await this.host.hostPath(this.ctx, file)], {timeoutMs: 300_000}))
    if (result.exitCode !== 0) throw commandError(result, `could not add the root to ${this.scope}\\Root (if you clicked No in the dialog, run again and click Yes)`)
  }

  async uninstall(root: TrustRoot): Promise<void> {
    if (this.scope === 'LocalMachine') await this.assertElevated()
    if (this.scope === 'CurrentUser' && !this.ctx.dryRun) this.ctx.log(`Windows may ask you to confirm deleting the certificate with thumbprint ${root.sha1}: click Yes.`)
    const result = await this.ctx.change('certutil.exe', [...this.userFlag, '-delstore', 'Root', root.sha1], {timeoutMs: 300_000})
    if (result.exitCode !== 0) throw commandError(result, `could not delete the root from ${this.scope}\\Root`)
  }

  async verify(root: TrustRoot, present: boolean): Promise<void> {
    const found = (await this.list()).some((cert) => cert.fingerprint === root.fingerprint)
    if (found !== present) throw new VerificationError(present ? `${this.scope}\\Root does not list the root after certutil -addstore` : `${this.scope}\\Root still lists the root`)
  }

  private async assertElevated(): Promise<void> {
    const script = '([Security.Principal.WindowsPrincipal][Security.Principal.WindowsIdentity]::GetCurrent()).IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)'
    const result = await this.ctx.read('powershell.exe', [...POWERSHELL, script])
    if (result.stdout.trim() !== 'True') {
      throw new LocalcertError('NEEDS_ROOT', 'LocalMachine\\Root needs an elevated terminal', 'open a terminal with "Run as administrator" and run the command again, or drop --machine to use CurrentUser\\Root')
    }
  }
}

/**
 * Windows: CurrentUser\Root and LocalMachine\Root natively; inside WSL, the Windows side's CurrentUser\Root through
 * interop, only when the user agrees (or names `windows` in --stores).
 */
export const windowsStore: TrustStore = {
  id: 'windows',
  title: 'Windows certificate store',
  appliesTo: (ctx) => ctx.platform === 'win32' || ctx.platform === 'linux',
  async detect(ctx) {
    if (ctx.platform === 'win32') return {targets: [new WindowsStoreTarget(ctx, 'CurrentUser'), new WindowsStoreTarget(ctx, 'LocalMachine')], missing: []}
    if (!(await isWsl(ctx))) return {targets: [], missing: []}
    if (!(await ctx.which('powershell.exe')) || !(await ctx.which('certutil.exe'))) {
      return {targets: [], missing: [{location: 'Windows (from WSL)', message: 'WSL interop is off (powershell.exe / certutil.exe not on PATH)', hint: 'enable interop, or run `localcert trust install --root <root.pem>` on Windows itself'}]}
    }
    return {targets: [new WindowsStoreTarget(ctx, 'CurrentUser', FROM_WSL)], missing: []}
  },
}
