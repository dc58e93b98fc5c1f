import {BaseCommand} from '../cli/base.js'
import {formatDate} from '../cli/format.js'

export default class Status extends BaseCommand {
  static override summary = 'Show the CA: where it lives, fingerprint, lifetimes, names, what it issued'
  static override description = 'Show where the CA lives, its fingerprint, lifetimes, name policy and what it issued'
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --json']

  async run(): Promise<unknown> {
    await this.parse(Status)
    const {readMeta} = await import('../ca/authority.js')
    const {describePolicy} = await import('../ca/policy.js')
    const {renewalAt} = await import('../ca/lifetime.js')
    const {readInventory} = await import('../state/inventory.js')
    const {caPaths, resolveHome} = await import('../state/paths.js')
    const home = await resolveHome()
    const paths = caPaths(home)
    const meta = await readMeta(paths)
    if (!meta) {
      const summary = {home, exists: false}
      this.output(summary, () => this.log(`No CA yet in ${home}. Run \`localcert setup\` to create one.`))
      return summary
    }
    const {keyFiles} = await import('../ca/protect.js')
    const {describeProtection} = await import('../state/key-protection.js')
    const files = await keyFiles(paths)
    const stateOf = (file: string) => {
      const found = files.find((key) => key.file === file)
      return found ? (found.sealed ? 'encrypted' : 'plaintext') : 'missing'
    }
    const keyProtection = {
      mode: meta.protection?.mode ?? 'file',
      ...(meta.protection?.account ? {account: meta.protection.account} : {}),
      ...(meta.protection?.mode !== 'keyring' ? {reason: meta.protection?.reason ?? 'this CA was made before key protection'} : {}),
      root: stateOf(paths.rootKey),
      intermediate: stateOf(paths.intermediateKey(meta.intermediate.id)),
    }
    const issued = await readInventory(paths.inventory)
    const now = Date.now()
    const valid = issued.filter((entry) => Date.parse(entry.notAfter) > now).length
    const summary = {
      home,
      exists: true,
      rootFile: paths.rootCert,
      keyType: meta.keyType,
      createdAt: meta.createdAt,
      root: meta.root,
      intermediate: meta.intermediate,
      intermediateRenewsAfter: renewalAt(meta.intermediate.notBefore, meta.intermediate.notAfter).toISOString(),
      policy: meta.policy,
      keyProtection,
      issued: {total: issued.length, valid},
    }
    this.output(summary, () => {
      this.log(`CA home:       ${home}`)
      this.log(`Root:          ${paths.rootCert}`)
      this.log(`  subject:     ${meta.root.subject}`)
      this.log(`  SHA-256:     ${meta.root.fingerprint}`)
      this.log(`  key:         ${meta.keyType === 'rsa' ? 'RSA-3072' : 'ECDSA P-256'}`)
      this.log(`  valid:       ${formatDate(meta.root.notBefore)} → ${formatDate(meta.root.notAfter)}`)
      this.log(`Intermediate:  ${meta.intermediate.subject}`)
      this.log(`  valid:       ${formatDate(meta.intermediate.notBefore)} → ${formatDate(meta.intermediate.notAfter)} (renewed automatically after ${formatDate(summary.intermediateRenewsAfter)})`)
      this.log(`Names allowed: ${describePolicy(meta.policy)}`)
      this.log(`Keys:          ${describeProtection(meta.protection)}`)
      const how = (state: string) => (state === 'encrypted' ? 'encrypted (PKCS#8, AES-256-CBC)' : state === 'plaintext' ? 'plaintext PEM (0600)' : 'missing')
      this.log(`  root:        ${how(keyProtection.root)}`)
      this.log(`  intermediate: ${how(keyProtection.intermediate)}`)
      if (keyProtection.mode === 'keyring' && (keyProtection.root === 'plaintext' || keyProtection.intermediate === 'plaintext')) this.log('  an upgrade was interrupted: `localcert setup` seals the plaintext keys')
      this.log(`Issued:        ${issued.length} certificate(s), ${valid} still valid (\`localcert list\` shows them)`)
    })
    return summary
  }
}
