import {fit, terminalWidth, wrapText} from './format.js'

/**
 * Step-by-step progress on stderr: a spinner while a step runs (a terminal only, ora loaded only then), then one
 * line per step with ✓ / ✗. Colour follows NO_COLOR, FORCE_COLOR and whether stderr is a terminal, so a pipe or a
 * log never receives an escape code.
 */

export interface Progress {
  /** A step begins: a spinner on an interactive terminal, nothing elsewhere (the outcome line says it all). */
  start(text: string): void
  succeed(text: string): void
  fail(text: string): void
  /** A step that did nothing (skipped, not found): a dash, not a tick. */
  skip(text: string): void
  /** A line of text (the plan, notes); stops a running spinner first. */
  line(text: string): void
}

type Stream = NodeJS.WritableStream & {isTTY?: boolean; columns?: number}

/**
 * 0 (no colour) to 3: NO_COLOR (any value) wins, then FORCE_COLOR (0/false: none; 1–3 or empty/true: that level),
 * then a terminal that is not TERM=dumb gets colour.
 * @example colorLevel(process.stderr, {NO_COLOR: '1'}) // 0
 */
export function colorLevel(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): 0 | 1 | 2 | 3 {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  const force = env.FORCE_COLOR
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0
    const level = Number(force)
    return force === '' || force === 'true' || !Number.isInteger(level) ? 1 : (Math.min(Math.max(level, 1), 3) as 1 | 2 | 3)
  }
  if (!stream.isTTY || env.TERM === 'dumb') return 0
  return env.COLORTERM === 'truecolor' || env.COLORTERM === '24bit' ? 3 : /-256(color)?$/.test(env.TERM ?? '') ? 2 : 1
}

/** The marks' colours: ✓ green, ✗ red, – dim. */
interface Paint {
  ok(text: string): string
  bad(text: string): string
  dim(text: string): string
}

const PLAIN: Paint = {ok: (t) => t, bad: (t) => t, dim: (t) => t}

async function paintFor(level: 0 | 1 | 2 | 3): Promise<Paint> {
  if (level === 0) return PLAIN
  const {Chalk} = await import('chalk')
  const chalk = new Chalk({level})
  return {ok: chalk.green, bad: chalk.red, dim: chalk.dim}
}

/**
 * Progress for one command run.
 * @example const progress = await createProgress(); progress.start('system'); progress.succeed('system: installed')
 */
export async function createProgress(stream: Stream = process.stderr, env: NodeJS.ProcessEnv = process.env): Promise<Progress> {
  const paint = await paintFor(colorLevel(stream, env))
  // a spinner redraws its line: only where a person watches (ora also stays still under CI and TERM=dumb)
  const interactive = Boolean(stream.isTTY) && !env.CI && env.TERM !== 'dumb'
  const ora = interactive ? (await import('ora')).default : undefined
  let spinner: ReturnType<NonNullable<typeof ora>> | undefined
  const width = () => terminalWidth(stream, env)
  const stop = () => {
    spinner?.stop()
    spinner = undefined
  }
  const write = (text: string) => stream.write(text + '\n')
  // a persisted line wraps under its text, never past the terminal's edge
  const mark = (symbol: string, text: string) => {
    stop()
    write(wrapText(text, width() - 2).map((line, index) => (index === 0 ? `${symbol} ` : '  ') + line).join('\n'))
  }
  return {
    start(text) {
      if (!ora) return
      stop()
      spinner = ora({text: text.slice(0, width() - 3), stream: stream as NodeJS.WriteStream, color: paint === PLAIN ? false : 'cyan', discardStdin: false}).start()
    },
    succeed: (text) => mark(paint.ok('✓'), text),
    fail: (text) => mark(paint.bad('✗'), text),
    skip: (text) => mark(paint.dim('–'), text),
    line(text) {
      stop()
      write(fit(text, width()))
    },
  }
}
