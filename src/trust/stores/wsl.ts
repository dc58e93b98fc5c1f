import {LocalcertError} from '../../errors.js'
import type {TrustContext, TrustStore} from '../store.js'
import {WindowsStoreTarget, type WindowsHost} from './windows.js'

/** True inside WSL: the browser usually runs on Windows, so trusting the root in Linux alone is not enough. */
export async function isWsl(ctx: TrustContext): Promise<boolean> {
  if (ctx.platform !== 'linux') return false
  if (ctx.env.WSL_DISTRO_NAME || (await ctx.fs.exists('/proc/sys/fs/binfmt_misc/WSLInterop'))) return true
  return /microsoft/i.test((await ctx.fs.readText('/proc/version')) ?? '')
}

const FROM_WSL: WindowsHost = {
  fromWsl: true,
  async hostPath(ctx, file) {
    const result = await ctx.read('wslpath', ['-w', file])
    if (result.exitCode !== 0) throw new LocalcertError('COMMAND_FAILED', `wslpath could not translate ${file} for Windows`, 'check that WSL interop is enabled')
    return result.stdout.trim()
  },
}

/** The Windows side of WSL: CurrentUser\Root through interop, only when the user agrees (or names `windows`). */
export const wslWindowsStore: TrustStore = {
  id: 'windows',
  title: 'Windows (from WSL)',
  appliesTo: (ctx) => ctx.platform === 'linux',
  async detect(ctx) {
    if (!(await isWsl(ctx))) return {targets: [], missing: []}
    if (!(await ctx.which('powershell.exe')) || !(await ctx.which('certutil.exe'))) {
      return {targets: [], missing: [{location: 'Windows (from WSL)', message: 'WSL interop is off (powershell.exe / certutil.exe not on PATH)', hint: 'enable interop, or run `localcert trust install --root <root.pem>` on Windows itself'}]}
    }
    return {targets: [new WindowsStoreTarget(ctx, 'CurrentUser', FROM_WSL)], missing: []}
  },
}
