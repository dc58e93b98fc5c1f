import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'

export default class Serve extends BaseCommand {
  // the summary heads `serve --help` unwrapped (oclif wraps only the sections below it): short enough for 80 columns
  static override summary = 'Run the ACME endpoint (RFC 8555) on loopback, over HTTPS'
  static override description = 'Run the ACME endpoint (RFC 8555) on loopback, over HTTPS, for certbot, lego, Caddy, Traefik, acme-client…'
  static override examples = [
    '<%= config.bin %> serve',
    '<%= config.bin %> serve --port 0 --json',
    '<%= config.bin %> serve --validate --http-port 5002',
    '<%= config.bin %> serve --no-eab',
  ]
  static override flags = {
    port: Flags.integer({description: 'port to listen on (0 picks a free one; default 8555, or `localcert config set acme-port N`)', min: 0, max: 65535}),
    host: Flags.string({description: 'listen on this address instead of 127.0.0.1 and ::1 (repeatable; leaves loopback only if you ask)', multiple: true}),
    eab: Flags.boolean({description: 'require External Account Binding (--no-eab lets any client register)', default: true, allowNo: true}),
    validate: Flags.boolean({description: 'validate http-01 / tls-alpn-01 challenges against loopback instead of pre-authorizing local names', default: false}),
    'http-port': Flags.integer({description: 'with --validate: port where http-01 tokens are fetched', default: 80, min: 1, max: 65535}),
    'tls-port': Flags.integer({description: 'with --validate: port where tls-alpn-01 handshakes go', default: 443, min: 1, max: 65535}),
    'rate-limits': Flags.boolean({description: 'per-account limits that stop runaway loops (--no-rate-limits for benchmarks)', default: true, allowNo: true}),
    quiet: Flags.boolean({char: 'q', description: 'print only the directory URL (no credentials, no per-certificate log)', default: false}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Serve)
    const {startAcmeServer} = await import('../acme/server.js')
    const log = (line: string) => {
      if (!flags.quiet && !this.jsonMode) this.note(`${new Date().toISOString().slice(11, 19)} ${line}`)
    }
    const server = await startAcmeServer({
      port: flags.port ?? (await (await import('../state/preferences.js')).readPreferences())['acme-port'],
      hosts: flags.host,
      eab: flags.eab,
      validate: flags.validate,
      httpPort: flags['http-port'],
      tlsPort: flags['tls-port'],
      rateLimits: flags['rate-limits'] ? undefined : false,
      onEvent: (event) => {
        if (event.type === 'issued') log(`issued ${event.names.join(', ')} (serial ${event.serial}, profile ${event.profile})`)
        else if (event.type === 'account') log(`new account ${event.accountId}${event.eabKid ? ` (EAB ${event.eabKid})` : ''}`)
        else if (event.type === 'revoked') log(`revoked serial ${event.serial} (reason ${event.reason})`)
        else if (event.type === 'validation') log(`${event.challenge} for ${event.identifier}: ${event.ok ? 'valid' : `invalid — ${event.detail}`}`)
        else if (event.type === 'tls-renewed') log(`renewed the endpoint's own certificate (until ${event.notAfter})`)
        else if (event.type === 'error') this.note(`localcert serve: ${event.message}${process.env.DEBUG && event.stack ? `\n${event.stack}` : ''}`)
      },
    })
    // Exactly what `localcert env` prints now that this endpoint has announced itself (endpoint.json, eab.json).
    const {runtimeEnvironment} = await import('../trust/env.js')
    const {detectShell, formatEnv} = await import('../trust/shell-env.js')
    const environment = await runtimeEnvironment(server.home)
    const variables = environment.variables
    // the HMAC key is named by its file (0600), never printed: scripts read `eabFile` ({kid, hmacKey}) themselves
    const eab = server.eabRequired ? {eabFile: (await import('../state/discovery.js')).acmePaths(server.home).eab} : {}
    const summary = {directoryUrl: server.url, port: server.port, listening: server.listening, eabRequired: server.eabRequired, ...eab, validate: flags.validate, rootFile: server.rootFile, caCreated: server.caCreated, env: flags.quiet ? {ACME_DIRECTORY_URL: server.url} : variables}
    const loopbackOnly = server.listening.every((address) => /^(127\.|\[::1\]:|localhost:)/.test(address))
    if (!loopbackOnly) this.note(`Warning: listening beyond loopback (${server.listening.join(', ')}): other machines can reach this CA${server.eabRequired ? '' : ', and --no-eab lets any of them register'}; its certificate names only localhost.`)
    this.output(summary, () => {
      if (flags.quiet) return this.log(server.url)
      if (server.caCreated) this.note(`Created a new local CA in ${server.home} (run \`localcert setup\` to trust it everywhere)`)
      this.log(`localcert ACME server: ${server.url}`)
      this.log(`  listening on ${server.listening.join(', ')}; ${server.eabRequired ? 'External Account Binding required' : 'open registration (--no-eab)'}; ${flags.validate ? `validating challenges (http-01 on port ${flags['http-port']}, tls-alpn-01 on port ${flags['tls-port']})` : 'local names pre-authorized'}`)
      this.log('')
      this.log('Point a client at it (or run `eval "$(localcert env)"` in another shell):')
      // The HMAC key is a secret: the line reads it from its file, so it is never written to a terminal, pipe or service log.
      for (const line of formatEnv(variables, detectShell(process.env, process.platform), [], environment.fromFiles).trimEnd().split('\n')) this.log(`  ${line}`)
      this.log('  # LEGO_CA_CERTIFICATES: lego, Traefik · REQUESTS_CA_BUNDLE: certbot · NODE_EXTRA_CA_CERTS: Node, acme-client')
      this.log('')
      this.log('Press Ctrl+C to stop.')
    })
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals) => {
        process.off('SIGINT', stop)
        process.off('SIGTERM', stop)
        log(`${signal}: stopping`)
        resolve()
      }
      process.on('SIGINT', stop)
      process.on('SIGTERM', stop)
    })
    await server.close()
    return summary
  }
}
