import {Args, Flags} from '@oclif/core'
import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {BaseCommand} from '../cli/base.js'
import {defaultBaseName, formatDate} from '../cli/format.js'
import {LocalcertError} from '../errors.js'
import {resolutionWarnings} from '../lib/resolve.js'

export default class Cert extends BaseCommand {
  static override description = 'Issue a certificate for local names (creates the CA first if there is none)'
  static override strict = false
  static override args = {
    names: Args.string({description: 'DNS names (wildcards as *.app.localhost), IPs, emails or URIs', required: false}),
  }
  static override examples = [
    "<%= config.bin %> cert app.localhost '*.app.localhost' localhost 127.0.0.1 ::1",
    '<%= config.bin %> cert --days 30 --client api.test',
    '<%= config.bin %> cert --csr app.csr --cert-file app.pem',
    '<%= config.bin %> cert --pkcs12 app.localhost',
  ]
  static override flags = {
    days: Flags.integer({description: 'validity in days (1–825; default 90, or `localcert config set days N`)'}),
    client: Flags.boolean({description: 'also valid for TLS client authentication', default: false}),
    'key-type': Flags.string({description: 'leaf key: ecdsa (P-256) or rsa (2048); default: `localcert config get key-type`, else the CA key type', options: ['ecdsa', 'rsa']}),
    csr: Flags.string({description: 'sign this PKCS#10 request instead of generating a key'}),
    'cert-file': Flags.string({description: 'where to write the certificate chain (leaf + intermediate)'}),
    'key-file': Flags.string({description: 'where to write the private key'}),
    pkcs12: Flags.boolean({description: 'write a PKCS#12 (.p12) file instead of PEM files', default: false}),
    'p12-file': Flags.string({description: 'where to write the PKCS#12 file (implies --pkcs12)'}),
    'p12-password': Flags.string({description: 'PKCS#12 password (or set LOCALCERT_P12_PASSWORD, which `ps` does not show)', default: 'changeit', env: 'LOCALCERT_P12_PASSWORD'}),
  }

  async run(): Promise<unknown> {
    const {argv, flags} = await this.parse(Cert)
    const names = this.names(argv)
    const {parseCsr} = await import('../ca/leaf.js')
    const {parseNames} = await import('../ca/names.js')
    const {issueParsed} = await import('../ca/issue.js')
    const {writeFileSafely} = await import('../state/files.js')
    const {parseKeyType} = await import('../ca/keys.js')

    let csr: Awaited<ReturnType<typeof parseCsr>> | undefined
    if (flags.csr) {
      if (names.length) throw new LocalcertError('INVALID_ARGUMENT', 'pass either names or --csr, not both', 'the names come from the CSR when --csr is used')
      if (flags.pkcs12 || flags['p12-file'] || flags['key-file']) throw new LocalcertError('INVALID_ARGUMENT', '--csr cannot be combined with --pkcs12 or --key-file', 'the key stays with the tool that made the CSR')
      const text = await readFile(flags.csr).catch((error: NodeJS.ErrnoException) => {
        throw new LocalcertError('INVALID_CSR', `cannot read ${flags.csr}: ${error.code}`, 'check the path')
      })
      csr = await parseCsr(text.includes('-----BEGIN') ? text.toString('utf8') : new Uint8Array(text))
    }
    const parsed = csr ? csr.names : parseNames(names)
    const values = parsed.map((name) => name.value)
    const pkcs12 = flags.pkcs12 || Boolean(flags['p12-file'])
    const base = defaultBaseName(values, flags.client)
    const files = pkcs12
      ? {p12File: path.resolve(flags['p12-file'] ?? `${base}.p12`)}
      : {certFile: path.resolve(flags['cert-file'] ?? `${base}.pem`), keyFile: csr ? undefined : path.resolve(flags['key-file'] ?? `${base}-key.pem`)}

    // flags win; a preference (`localcert config set`) is read only for what the command line left out
    const preferences = flags.days === undefined || flags['key-type'] === undefined ? await (await import('../state/preferences.js')).readPreferences() : undefined
    const keyType = flags['key-type'] ?? preferences?.['key-type']
    const result = await issueParsed(csr ?? parsed, {
      days: flags.days ?? preferences!.days,
      client: flags.client,
      keyType: keyType ? parseKeyType(keyType) : undefined,
      source: 'cli',
      files,
    })
    if (result.caCreated) this.note(`Created a new local CA in ${result.home} (run \`localcert setup\` to trust it)`)
    if (files.p12File) {
      const {buildPkcs12} = await import('../ca/pkcs12.js')
      await writeFileSafely(files.p12File, await buildPkcs12(result.keyPem!, result.chainPem + result.rootPem, flags['p12-password']), 0o600)
    } else {
      if (files.keyFile) await writeFileSafely(files.keyFile, result.keyPem!, 0o600)
      await writeFileSafely(files.certFile!, result.chainPem, 0o644)
    }
    const resolution = await resolutionWarnings(parsed)
    for (const warning of [...result.warnings, ...resolution]) this.note(`Warning: ${warning}`)
    const summary = {
      names: values,
      serial: result.serial,
      fingerprint: result.fingerprint,
      notBefore: result.notBefore.toISOString(),
      notAfter: result.notAfter.toISOString(),
      keyType: result.keyType,
      ...files,
      caCreated: result.caCreated,
      warnings: [...result.warnings, ...resolution],
    }
    const rel = (file: string) => `./${path.relative(process.cwd(), file)}`
    this.output(summary, () => {
      this.log('Created a certificate valid for:')
      for (const value of values) this.log(`  - ${value}`)
      this.log('')
      if (files.p12File) this.log(`The PKCS#12 bundle is at "${rel(files.p12File)}" (password "${flags['p12-password'] === 'changeit' ? 'changeit' : '<as given>'}")`)
      else if (files.keyFile) this.log(`The certificate is at "${rel(files.certFile!)}" and the key at "${rel(files.keyFile)}"`)
      else this.log(`The certificate is at "${rel(files.certFile!)}"`)
      this.log(`It expires on ${formatDate(result.notAfter)}`)
    })
    return summary
  }
}

