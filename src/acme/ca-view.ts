import {currentAuthority, openCachedAuthority} from '../ca/issue.js'
import type {Authority} from '../ca/authority.js'

/** How often, at most, the server looks at ca.json to notice a rotation done by another process. */
const RECHECK_MS = 1_000

/**
 * The server's view of the CA: the loaded authority (created on first start, as `localcert cert` does), the
 * current root and intermediate fingerprints.
 * It takes the CA again through issuance's cache, which re-reads ca.json when the file changed (inode, mtime, size),
 * so a rotation by `localcert` in another process is seen within a second.
 * @example const ca = await CaView.open(home); await ca.refresh(); ca.authority.meta.policy
 */
export class CaView {
  private checkedAt = 0
  private pending: Promise<void> | undefined

  private constructor(
    readonly home: string,
    public authority: Authority,
    readonly created: boolean,
  ) {}

  static async open(home: string): Promise<CaView> {
    // a CA the endpoint creates is recorded as created through it
    const authority = await openCachedAuthority(home, {source: 'acme'})
    const view = new CaView(home, authority, authority.created)
    view.checkedAt = Date.now()
    return view
  }

  get rootFingerprint(): string {
    return this.authority.meta.root.fingerprint
  }

  get intermediateFingerprint(): string {
    return this.authority.meta.intermediate.fingerprint
  }

  /**
   * Takes the current CA when ca.json changed (looked at most once a second), from the cache it shares with issuance.
   * A request that arrives while another refresh is reading the CA waits for that read, so nothing answers from the
   * old CA once a refresh has seen the change; a CA that fails to load is looked at again on the next refresh.
   */
  refresh(): Promise<void> {
    if (this.pending) return this.pending
    const now = Date.now()
    if (now - this.checkedAt < RECHECK_MS) return Promise.resolve()
    this.checkedAt = now
    this.pending = this.reload().finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  private async reload(): Promise<void> {
    // the cache answers from memory while ca.json is unchanged, and forgets a CA that failed to load, so the next
    // refresh reads it again. A CA removed or broken under a running server: keep serving with what we have;
    // issuance will report it.
    const loaded = await currentAuthority(this.home).catch(() => undefined)
    if (loaded) this.authority = loaded
  }
}
