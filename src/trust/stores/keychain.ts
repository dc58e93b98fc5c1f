import path from 'node:path'
import {LocalcertError} from '../../errors.js'
import {lastLine, type ExecResult} from '../../lib/exec.js'
import {commandError} from '../context.js'
import {pemBlocks} from '../../lib/pem.js'
import {describeCert, type StoredCert, type TrustRoot} from '../root.js'
import {withRootFile} from '../root-file.js'
import {VerificationError, type StoreTarget, type TrustContext, type TrustStore} from '../store.js'

const SYSTEM_KEYCHAIN = '/Library/Keychains/System.keychain'

/** What macOS says when nobody can confirm a trust change (non-GUI session, CI, locked keychain). */
const NEEDS_CONFIRMATION = /errSecInternalComponent|authorization was canceled|authorization was denied|no user interaction was possible|User interaction is not allowed|errAuthorizationCanceled|-60005|-128/i

/**
 * One keychain. Login keychain (user trust domain): no sudo, macOS asks for your password or Touch ID in a dialog.
 * System keychain (admin trust domain, --system-keychain): sudo, and since Big Sur an administrator must still
 * confirm interactively. Uninstall removes the trust settings and then the certificate itself.
 */
class KeychainTarget implements StoreTarget {
  readonly store = 'keychain' as const
  readonly location: string
  readonly choice: StoreTarget['choice']
  private readonly admin: boolean
  private readonly why = 'the System keychain needs an administrator'

  constructor(
    private readonly ctx: TrustContext,
    readonly keychain: string,
  ) {
    this.admin = keychain === SYSTEM_KEYCHAIN
    this.location = this.admin ? `System keychain (${keychain})` : `login keychain (${keychain})`
    const chosen = this.admin === Boolean(ctx.options.systemKeychain)
    this.choice = chosen ? undefined : {install: 'no', hint: this.admin ? 'add --system-keychain to trust it for every user (needs an administrator)' : 'not used with --system-keychain'}
  }

  private change(args: string[]): Promise<ExecResult> {
    return this.admin ? this.ctx.privileged(this.why, 'security', args) : this.ctx.change('security', args, {timeoutMs: 300_000})
  }

  async list(): Promise<StoredCert[]> {
    const result = await this.ctx.read('security', ['find-certificate', '-a', '-p', this.keychain])
    if (result.exitCode !== 0 && !/could not be found/.test(result.stderr)) throw commandError(result, `cannot read ${this.keychain}`)
    return pemBlocks(result.stdout).flatMap((block) => describeCert(block, this.keychain) ?? [])
  }

  async install(root: TrustRoot): Promise<void> {
    const domain = this.admin ? ['-d'] : []
    const result = await withRootFile(root, (file) => this.change(['add-trusted-cert', ...domain, '-r', 'trustRoot', '-p', 'ssl', '-p', 'basic', '-k', this.keychain, file]))
    if (result.exitCode !== 0) throw this.explain(result, 'could not trust the root')
  }

  async uninstall(root: TrustRoot): Promise<void> {
    const domain = this.admin ? ['-d'] : []
    const untrusted = await withRootFile(root, (file) => this.change(['remove-trusted-cert', ...domain, file]))
    if (untrusted.exitCode !== 0 && !/No Trust Settings were found/i.test(untrusted.stderr + untrusted.stdout)) throw this.explain(untrusted, 'could not remove the trust settings')
    // remove-trusted-cert leaves the certificate in the keychain (mkcert and Caddy stop here): delete it too
    const deleted = await this.change(['delete-certificate', '-Z', root.sha1, this.keychain])
    if (deleted.exitCode !== 0 && !/could not be found|Unable to delete certificate matching/i.test(deleted.stderr)) throw this.explain(deleted, 'could not delete the certificate')
  }

  async verify(root: TrustRoot, present: boolean): Promise<void> {
    const inKeychain = (await this.list()).some((cert) => cert.fingerprint === root.fingerprint)
    if (inKeychain !== present) throw new VerificationError(present ? `security find-certificate does not show the root in ${this.keychain}` : `${this.keychain} still holds the root`)
    if (!present) return
    // the trust evaluation itself: -l because the certificate checked is a CA, -L to stay offline
    const check = await withRootFile(root, (file) => this.ctx.read('security', ['verify-cert', '-c', file, '-p', 'ssl', '-l', '-L']))
    if (check.exitCode !== 0) throw new VerificationError(`security verify-cert does not trust the root: ${lastLine(check)}`)
  }

  private explain(result: ExecResult, action: string): LocalcertError {
    if (NEEDS_CONFIRMATION.test(result.stderr + result.stdout)) {
      return new LocalcertError('NEEDS_CONFIRMATION', `${action}: macOS needs you to confirm the trust change (password or Touch ID) and nobody could`, this.admin ? 'run it from a desktop session as an administrator; on CI runners see the README recipe' : 'run it from a desktop session (not over SSH), and approve the dialog')
    }
    return commandError(result, action)
  }
}

export const keychainStore: TrustStore = {
  id: 'keychain',
  title: 'macOS Keychain',
  appliesTo: (ctx) => ctx.platform === 'darwin',
  async detect(ctx) {
    const login = path.join(ctx.homeDir, 'Library', 'Keychains', 'login.keychain-db')
    return {targets: [new KeychainTarget(ctx, login), new KeychainTarget(ctx, SYSTEM_KEYCHAIN)], missing: []}
  },
}
