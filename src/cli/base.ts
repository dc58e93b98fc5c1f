import {Command, Flags} from '@oclif/core'
import {isLocalcertError} from '../errors.js'

/**
 * Every localcert command: `--json` for scripts, and one clear line (plus what to do next) instead of a
 * stack trace when the core throws a LocalcertError.
 */
export abstract class BaseCommand extends Command {
  static override baseFlags = {
    json: Flags.boolean({description: 'print machine-readable JSON on stdout', default: false}),
  }

  protected get jsonMode(): boolean {
    return this.argv.includes('--json')
  }

  /** Prints a value as JSON (in --json mode) or runs the human printer. */
  protected output(value: unknown, human: () => void): void {
    if (this.jsonMode) process.stdout.write(JSON.stringify(value, null, 2) + '\n')
    else human()
  }

  /** The names of a command that takes any number of them (strict = false): oclif leaves the global --json among them. */
  protected names(argv: unknown[]): string[] {
    return (argv as string[]).filter((arg) => arg !== '--json')
  }

  /** Human notes go to stderr, so stdout stays clean for pipes. */
  protected note(message: string): void {
    process.stderr.write(message + '\n')
  }

  protected override async catch(error: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    if (isLocalcertError(error)) {
      if (this.jsonMode) {
        process.stdout.write(JSON.stringify({error: {code: error.code, message: error.message, hint: error.hint}}, null, 2) + '\n')
      } else {
        process.stderr.write(`localcert: ${error.message}\n${error.hint ? `  → ${error.hint}\n` : ''}`)
      }
      process.exitCode = 1
      return undefined
    }
    if (error.oclif || error.name === 'ExitError') throw error
    process.stderr.write(`localcert: unexpected error: ${error.message}\n  → please report this with the command you ran (set DEBUG=localcert for details)\n`)
    if (process.env.DEBUG) process.stderr.write(`${error.stack}\n`)
    process.exitCode = 70
    return undefined
  }
}
