import {BaseCommand} from '../cli/base.js'
import {formatDate} from '../cli/format.js'

export default class Rotate extends BaseCommand {
  static override description = 'Replace the intermediate CA now: new leaves chain to a fresh intermediate, the old key is deleted, the root (and its trust everywhere) stays'
  static override examples = ['<%= config.bin %> rotate', '<%= config.bin %> rotate --json']

  async run(): Promise<unknown> {
    await this.parse(Rotate)
    const {readMeta, rotateIntermediate} = await import('../ca/authority.js')
    const {caPaths, resolveHome} = await import('../state/paths.js')
    const {LocalcertError} = await import('../errors.js')
    const home = await resolveHome()
    // ca.json alone (no keys) says whether there is a CA and which intermediate is about to go
    const before = await readMeta(caPaths(home))
    if (!before) throw new LocalcertError('CA_NOT_FOUND', `there is no CA in ${home} to rotate`, 'run `localcert setup` first')
    const ca = await rotateIntermediate(home)
    const summary = {home, previous: before.intermediate.fingerprint, intermediate: ca.meta.intermediate, root: ca.meta.root.fingerprint}
    this.output(summary, () => {
      this.log(`New intermediate ${ca.meta.intermediate.fingerprint.slice(0, 16)}… (until ${formatDate(ca.meta.intermediate.notAfter)}) replaces ${before.intermediate.fingerprint.slice(0, 16)}…, whose key is deleted.`)
      this.log('The root did not change, so nothing needs to be trusted again. Certificates issued before keep working until they expire;')
      this.log('ACME clients that read renewalInfo (ARI) renew them at once; `localcert cert` issues new ones from the new intermediate.')
    })
    return summary
  }
}
