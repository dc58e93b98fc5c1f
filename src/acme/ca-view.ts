import {createHash} from 'node:crypto'
import {stat} from 'node:fs/promises'
import {clearAuthorityCache} from '../api/issue.js'
import {loadAuthority, openAuthority, type Authority} from '../ca/authority.js'
import {loadX509} from '../ca/x509.js'

/** How often, at most, the server looks at ca.json to notice a rotation done by another process. */
const RECHECK_MS = 1_000

/** SHA-256 (hex) of every certificate in a PEM bundle, in order. */
export function pemFingerprints(pem: string): string[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? []
  return blocks.map((block) => createHash('sha256').update(Buffer.from(block.replace(/-----[^-]+-----|\s/g, ''), 'base64')).digest('hex'))
}

/**
 * The server's view of the CA: the loaded authority (created on first start, as `localcert cert` does), the
 * current root and intermediate fingerprints, and the intermediates' key identifiers (the leaves' AKI, for ARI).
 * It re-reads ca.json when its mtime changes, so a rotation by `localcert` in another process is seen at once.
 * @example const ca = await CaView.open(home); await ca.refresh(); ca.authority.meta.policy
 */
export class CaView {
  private mtimeMs = 0
  private checkedAt = 0
  private readonly keyIds = new Map<string, Buffer>()

  private constructor(
    readonly home: string,
    public authority: Authority,
    readonly created: boolean,
  ) {}

  static async open(home: string): Promise<CaView> {
    const authority = await openAuthority(home)
    const view = new CaView(home, authority, authority.created)
    view.mtimeMs = (await stat(authority.paths.meta)).mtimeMs
    view.checkedAt = Date.now()
    return view
  }

  get rootFingerprint(): string {
    return this.authority.meta.root.fingerprint
  }

  get intermediateFingerprint(): string {
    return this.authority.meta.intermediate.fingerprint
  }

  /** Reloads when ca.json changed (at most once a second); true when the root or intermediate changed. */
  async refresh(force = false): Promise<boolean> {
    const now = Date.now()
    if (!force && now - this.checkedAt < RECHECK_MS) return false
    this.checkedAt = now
    const mtimeMs = await stat(this.authority.paths.meta).then((info) => info.mtimeMs, () => 0)
    if (!force && mtimeMs === this.mtimeMs) return false
    this.mtimeMs = mtimeMs
    const before = `${this.rootFingerprint}/${this.intermediateFingerprint}`
    const loaded = mtimeMs ? await loadAuthority(this.home).catch(() => undefined) : undefined
    // A CA removed or broken under a running server: keep serving with what we have; issuance will report it.
    if (!loaded) return false
    this.authority = loaded
    clearAuthorityCache()
    return before !== `${this.rootFingerprint}/${this.intermediateFingerprint}`
  }

  /** The Subject Key Identifier of the intermediate with this PEM (what its leaves carry as AKI), cached. */
  async keyIdentifier(intermediatePem: string): Promise<Buffer> {
    const fingerprint = pemFingerprints(intermediatePem)[0]!
    let keyId = this.keyIds.get(fingerprint)
    if (!keyId) {
      const x509 = await loadX509()
      const cert = new x509.X509Certificate(intermediatePem)
      const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension)
      keyId = ski ? Buffer.from(ski.keyId, 'hex') : Buffer.alloc(0)
      this.keyIds.set(fingerprint, keyId)
    }
    return keyId
  }
}
