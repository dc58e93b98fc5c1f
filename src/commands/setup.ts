import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'
import {formatDate} from '../cli/format.js'
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
    const {openAuthority} = await import('../ca/authority.js')
    const {parseKeyType} = await import('../ca/keys.js')
    const {defaultPolicy, describePolicy} = await import('../ca/policy.js')
    const {resolveHome} = await import('../state/paths.js')
    defaultPolicy(flags['allow-domain'], flags['name-constraints'])
    const home = await resolveHome()
    const ca = await openAuthority(home, {
      keyType: parseKeyType(flags['key-type']),
      allowDomains: flags['allow-domain'],
      nameConstraints: flags['name-constraints'],
    })
    const askedFor = flags['allow-domain'].length > 0 || !flags['name-constraints'] || flags['key-type'] !== 'ecdsa'
    if (!ca.created && askedFor) {
      this.note('Note: the CA already exists, so --key-type, --allow-domain and --name-constraints were not applied; run `localcert uninstall` then `localcert setup …` to recreate it.')
    }
    if (ca.created && !flags['name-constraints']) {
      this.note('Warning: this CA has no name constraints; anyone who obtains its key can impersonate any website to this machine.')
    }
    let trust: import('../trust/everywhere.js').StoreReport[] | undefined
    if (flags.trust) {
      const {installEverywhere} = await import('../trust/everywhere.js')
      trust = await installEverywhere(ca, {yes: flags.yes, log: (line) => this.note(line), confirm: askYesNo, systemKeychain: flags['system-keychain'], machine: flags.machine, shellProfile: (await (await import('../state/preferences.js')).readPreferences())['shell-profile']})
    }
    const summary = {home, created: ca.created, root: ca.meta.root, intermediate: ca.meta.intermediate, keyType: ca.meta.keyType, policy: ca.meta.policy, trust}
    this.output(summary, () => {
      this.log(ca.created ? `Created a new local CA in ${home}` : `The local CA in ${home} is ready`)
      this.log(`  root:        ${ca.paths.rootCert}`)
      this.log(`  fingerprint: SHA256 ${ca.meta.root.fingerprint}`)
      this.log(`  valid until: ${formatDate(ca.meta.root.notAfter)} (intermediate until ${formatDate(ca.meta.intermediate.notAfter)}, renewed automatically)`)
      this.log(`  names:       ${describePolicy(ca.meta.policy)}`)
      if (!flags.trust) this.log('Trust stores were left alone (--no-trust); run `localcert setup` again without it to trust the CA.')
      if (trust) this.log(formatReports(trust))
      this.log('Next: `localcert cert app.localhost` issues a certificate.')
    })
    return summary
  }
}
