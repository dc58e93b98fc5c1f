import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {fit, formatDate, labelled} from '../cli/format.js'
import {askYesNo, formatReports, trustFlags} from '../cli/trust-report.js'

export default class Setup extends BaseCommand {
  static override description = 'Create the local CA (once) and trust it in every store on this machine'
  static override examples = [
    '<%= config.bin %> setup',
    '<%= config.bin %> setup --no-trust',
    '<%= config.bin %> setup --allow-domain dev.example.com --key-type rsa',
  ]
  static override flags = {
    'key-type': Flags.string({description: 'CA key type when creating: ecdsa (P-256) or rsa (RSA-3072 CA, RSA-2048 leaves)', options: ['ecdsa', 'rsa'], default: 'ecdsa'}),
    'allow-domain': Flags.string({description: 'also allow this domain and every name below it (repeatable; only when the CA is created)', multiple: true, default: []}),
    'name-constraints': Flags.boolean({description: 'restrict the CA to local names (--no-name-constraints: unconstrained, not recommended)', default: true, allowNo: true}),
    trust: Flags.boolean({description: 'install the root in the trust stores (--no-trust: only create the CA)', default: true, allowNo: true}),
    yes: Flags.boolean({char: 'y', description: 'answer yes to every question', default: false}),
    'system-keychain': trustFlags['system-keychain'],
    machine: trustFlags.machine,
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Setup)
    const {loadAuthority, openAuthority} = await import('../ca/authority.js')
    const {parseKeyType} = await import('../ca/keys.js')
    const {defaultPolicy, describePolicy} = await import('../ca/policy.js')
    const {resolveHome} = await import('../state/paths.js')
    const {createProgress} = await import('../cli/progress.js')
    const steps = await import('../cli/setup-steps.js')
    const progress = await createProgress()
    // Ctrl-C: the step in progress finishes (and is verified), nothing after it starts; the summary says what is left
    let interrupted = false
    const onSignal = () => {
      if (!interrupted) progress.line('Interrupted: finishing the step in progress, then stopping.')
      interrupted = true
    }
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
    try {
      defaultPolicy(flags['allow-domain'], flags['name-constraints'])
      const home = await resolveHome()
      this.noteIgnoredFlags(flags)
      const existing = await loadAuthority(home)
      const setupTrust = flags.trust ? await import('../trust/setup-trust.js') : undefined
      const {parseRoot} = await import('../trust/root.js')
      const {readPreferences} = await import('../state/preferences.js')
      const shellProfile = (await readPreferences())['shell-profile']
      const trustOptions = {yes: flags.yes, log: (line: string) => progress.line(line), confirm: askYesNo, systemKeychain: flags['system-keychain'], machine: flags.machine, shellProfile}
      const plan = setupTrust ? await setupTrust.planEverywhere(home, existing && parseRoot(existing.rootPem, existing.paths.rootCert), trustOptions) : undefined
      const planText = steps.describePlan(plan, {createCa: !existing, home})
      if (planText) progress.line(planText)
      if (interrupted) return this.stopped(progress)
      if (!existing) progress.start('creating the CA (root and intermediate)')
      const ca = await openAuthority(home, {keyType: parseKeyType(flags['key-type']), allowDomains: flags['allow-domain'], nameConstraints: flags['name-constraints'], source: 'cli'})
      if (ca.created) progress.succeed(`${'CA'.padEnd(9)}created: ${ca.meta.keyType.toUpperCase()} root SHA256 ${ca.meta.root.fingerprint.slice(0, 16)}…, valid until ${formatDate(ca.meta.root.notAfter)}`)
      const askedFor = flags['allow-domain'].length > 0 || !flags['name-constraints'] || flags['key-type'] !== 'ecdsa'
      if (!ca.created && askedFor) {
        progress.line('Note: the CA already exists, so --key-type, --allow-domain and --name-constraints were not applied; run `localcert uninstall` then `localcert setup …` to recreate it.')
      }
      if (ca.created && !flags['name-constraints']) {
        progress.line('Warning: this CA has no name constraints; anyone who obtains its key can impersonate any website to this machine.')
      }
      const {upgradeKeyProtection} = await import('../ca/protect.js')
      const {describeProtection} = await import('../state/key-protection.js')
      const keys = await upgradeKeyProtection(home)
      if (keys.upgraded) progress.succeed(`${'keys'.padEnd(9)}upgraded: the CA keys are now encrypted, their secret in the credential store`)
      const trust = setupTrust
        ? await setupTrust.installEverywhere(ca, trustOptions, ca.created ? undefined : plan, {
            onStart: (place) => progress.start(steps.startText(place)),
            onDone: (_place, report) => steps.showOutcome(progress, report),
            stopped: () => interrupted,
          })
        : undefined
      const keyProtection = {...keys.protection, upgraded: keys.upgraded, keys: keys.keys}
      const summary = {home, created: ca.created, root: ca.meta.root, intermediate: ca.meta.intermediate, keyType: ca.meta.keyType, policy: ca.meta.policy, keyProtection, trust}
      const changed = ca.created || !trust || trust.some((row) => row.status !== 'already-present' && row.status !== 'skipped' && row.status !== 'not-found')
      this.output(summary, () => {
        this.log(fit(ca.created ? `Created a new local CA in ${home}` : `The local CA in ${home} is ready`))
        this.log(labelled('  root:        ', ca.paths.rootCert))
        this.log(labelled('  fingerprint: ', `SHA256 ${ca.meta.root.fingerprint}`))
        this.log(labelled('  valid until: ', `${formatDate(ca.meta.root.notAfter)} (intermediate until ${formatDate(ca.meta.intermediate.notAfter)}, renewed automatically)`))
        this.log(labelled('  names:       ', describePolicy(ca.meta.policy)))
        this.log(labelled('  keys:        ', describeProtection(keys.protection)))
        if (!flags.trust) this.log(fit('Trust stores were left alone (--no-trust); run `localcert setup` again without it to trust the CA.'))
        // when every store already trusted the root, the lines above said so: no table to repeat them
        if (trust && changed) this.log(formatReports(trust))
        if (trust && !changed) this.log(fit('Every store already trusts this root: nothing changed.'))
        this.log('Next: `localcert cert app.localhost` issues a certificate.')
      })
      if (interrupted) return this.stopped(progress, summary)
      return summary
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal)
    }
  }

  /** After Ctrl-C: say what to do, exit 130 (128 + SIGINT) like any interrupted program. */
  private stopped(progress: {line(text: string): void}, summary?: unknown): unknown {
    progress.line('Stopped before finishing: every store is either trusted and verified, or untouched. Run `localcert setup` again to finish.')
    process.exitCode = 130
    return summary
  }

  /** --machine and --system-keychain mean something on one platform each; elsewhere say so instead of ignoring them. */
  private noteIgnoredFlags(flags: {machine: boolean; 'system-keychain': boolean}): void {
    if (flags.machine && process.platform !== 'win32') this.note(`Note: --machine only applies on Windows (LocalMachine\\Root); on ${process.platform} it changes nothing.`)
    if (flags['system-keychain'] && process.platform !== 'darwin') this.note(`Note: --system-keychain only applies on macOS (the System keychain); on ${process.platform} it changes nothing.`)
  }
}
