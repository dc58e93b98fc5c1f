import {Flags} from '@oclif/core'
import {BaseCommand} from '../cli/base.js'

export default class Env extends BaseCommand {
  static override summary = 'Print the variables that make Node, Python, curl, Deno and git trust the CA'
  static override description = 'Print the variables that make Node, Python, curl, Deno and git trust the CA (keeping the CAs your current variables name), plus the ACME ones while an endpoint runs (eval "$(localcert env)")'
  static override examples = ['eval "$(<%= config.bin %> env)"', '<%= config.bin %> env --shell fish | source', '<%= config.bin %> env --shell powershell | Invoke-Expression', '<%= config.bin %> env --json']
  static override flags = {
    shell: Flags.string({description: 'syntax to print (default: from $SHELL)', options: ['bash', 'zsh', 'fish', 'powershell']}),
  }

  async run(): Promise<unknown> {
    const {flags} = await this.parse(Env)
    const {resolveHome} = await import('../state/paths.js')
    const {runtimeEnvironment} = await import('../trust/env.js')
    const {detectShell, formatEnv} = await import('../trust/shell-env.js')
    const home = await resolveHome()
    const environment = await runtimeEnvironment(home)
    const shell = (flags.shell as ReturnType<typeof detectShell> | undefined) ?? detectShell(process.env, process.platform)
    // ACME_HMAC_KEY is set by the shell reading its 0600 file: the secret itself never passes through our output
    this.output(environment, () => process.stdout.write(formatEnv(environment.variables, shell, environment.hints, environment.fromFiles)))
    return environment
  }
}
