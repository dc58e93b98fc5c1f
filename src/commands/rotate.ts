import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {formatDate} from '../cli/format.js'
import {askYesNo, formatReports, selectionFlags} from '../cli/trust-report.js'
import {rootRotationHook, rootRotationQuestion, rootRotationSummary} from '../cli/rotate-root.js'

export default class Rotate extends BaseCommand {
  static override summary = 'Replace the intermediate CA now; --root replaces the root too'
  static override description = 'Replace the intermediate CA now (the root and its trust stay); --root replaces the root too, with no moment at which a store trusts neither'
  static override examples = ['<%= config.bin %> rotate', '<%= config.bin %> rotate --json', '<%= config.bin %> rotate --root --yes --reissue']
  static override flags = {
    root: Flags.boolean({description: 'replace the root and intermediate: trust the new root wherever the old one is, switch, then remove the old root', default: false}),
    yes: Flags.boolean({char: 'y', description: 'with --root: do not ask first (needed without a terminal)', default: false}),
    reissue: Flags.boolean({description: 'with --root: re-sign the live certificates `localcert cert` wrote, in place', default: false}),
    'java-home': selectionFlags['java-home'],
    'nss-db': selectionFlags['nss-db'],
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Rotate)
    const {readMeta, rotateIntermediate} = await import('../ca/authority.js')
    const {caPaths, resolveHome} = await import('../state/paths.js')
    const {LocalcertError} = await import('../errors.js')
    const home = await resolveHome()
    // ca.json alone (no keys) says whether there is a CA and which intermediate is about to go
    const before = await readMeta(caPaths(home))
    if (!before) throw new LocalcertError('CA_NOT_FOUND', `there is no CA in ${home} to rotate`, 'run `localcert setup` first')
    if (flags.root) return this.rotateRoot(home, flags)
    if (flags.reissue) throw new LocalcertError('INVALID_ARGUMENT', '--reissue goes with --root', 'run `localcert rotate --root --reissue`, or `localcert cert …` again to re-sign one certificate')
    const ca = await rotateIntermediate(home)
    const summary = {home, previous: before.intermediate.fingerprint, intermediate: ca.meta.intermediate, root: ca.meta.root.fingerprint}
    this.output(summary, () => {
      this.log(`New intermediate ${ca.meta.intermediate.fingerprint.slice(0, 16)}… (until ${formatDate(ca.meta.intermediate.notAfter)}) replaces ${before.intermediate.fingerprint.slice(0, 16)}…, whose key is deleted.`)
      this.log('The root did not change, so nothing needs to be trusted again. Certificates issued before keep working until they expire;')
      this.log('ACME clients that read renewalInfo (ARI) renew them at once; `localcert cert` issues new ones from the new intermediate.')
    })
    return summary
  }

  private async rotateRoot(home: string, flags: {yes: boolean; reissue: boolean; 'java-home'?: string[]; 'nss-db'?: string[]}): Promise<unknown> {
    const {rotateRoot, rootRotationPlan} = await import('../trust/rotate-root.js')
    const {LocalcertError} = await import('../errors.js')
    const selection = {javaHomes: flags['java-home'], nssDbs: flags['nss-db']}
    const rerun = ['localcert rotate --root --yes', ...(flags.reissue ? ['--reissue'] : []), ...(flags['java-home'] ?? []).map((dir) => `--java-home ${dir}`), ...(flags['nss-db'] ?? []).map((dir) => `--nss-db ${dir}`)].join(' ')
    if (!flags.yes) {
      if (!process.stdin.isTTY || !process.stderr.isTTY) throw new LocalcertError('NEEDS_CONFIRMATION', 'rotate --root changes every trust store that trusts the current root, and there is no terminal to ask', `run \`${rerun}\` to rotate without asking`)
      const plan = await rootRotationPlan(home, {localcertHome: home, ...selection})
      this.note(rootRotationQuestion(plan, flags.reissue))
      if (!(await askYesNo('Rotate the root now?'))) {
        this.note('Nothing changed.')
        return undefined
      }
    }
    const controller = new AbortController()
    // Ctrl-C stops at the next safe point (between stores or steps) instead of in the middle of a write
    const onSigint = () => {
      if (!this.jsonMode) this.note('Stopping at the next safe point…')
      controller.abort()
    }
    process.on('SIGINT', onSigint)
    try {
      const result = await rotateRoot(home, {localcertHome: home, ...selection, reissue: flags.reissue, rerun, signal: controller.signal, log: (line) => this.note(line), between: rootRotationHook(controller.signal)})
      if (!result.completed) process.exitCode = 1
      this.output(result, () => this.log(rootRotationSummary(result, formatReports)))
      return result
    } catch (error) {
      if ((error as {code?: string}).code === 'INTERRUPTED') {
        await this.catch(error as Error)
        process.exitCode = 130
        return undefined
      }
      throw error
    } finally {
      process.off('SIGINT', onSigint)
    }
  }
}
