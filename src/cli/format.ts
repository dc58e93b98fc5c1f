/** Small formatting helpers shared by commands (terminal-only concerns live here, not in the core). */
export function formatDate(iso: string | Date): string {
  const date = typeof iso === 'string' ? new Date(iso) : iso
  return date.toISOString().slice(0, 10)
}

/** Without a terminal (a pipe, a log, CI) output is laid out for 100 columns, unless COLUMNS says otherwise. */
export const DEFAULT_WIDTH = 100

/**
 * The width output to `stream` must fit: the terminal's when it is one, else $COLUMNS, else 100.
 * @example table(rows, terminalWidth())
 */
export function terminalWidth(stream: {isTTY?: boolean; columns?: number} = process.stdout, env: NodeJS.ProcessEnv = process.env): number {
  if (stream.isTTY && stream.columns) return stream.columns
  const columns = Number(env.COLUMNS)
  return Number.isInteger(columns) && columns >= 20 ? columns : DEFAULT_WIDTH
}

/**
 * Breaks text into lines of at most `width` characters: at spaces first, then after `/`, `,` or `-` inside a long
 * path, and mid-word only when nothing else fits.
 * @example wrapText('/etc/ssl/certs/java/cacerts (java-17, temurin-25)', 20)
 */
export function wrapText(text: string, width: number): string[] {
  if (width < 1 || text.length <= width) return [text]
  const lines: string[] = []
  let line = ''
  for (const word of text.split(' ')) {
    const candidate = line ? `${line} ${word}` : word
    if (candidate.length <= width) {
      line = candidate
      continue
    }
    if (line) lines.push(line)
    line = word
    while (line.length > width) {
      const cut = Math.max(...['/', ',', '-'].map((mark) => line.lastIndexOf(mark, width - 1)))
      const at = cut > width / 3 ? cut + 1 : width
      lines.push(line.slice(0, at))
      line = line.slice(at)
    }
  }
  if (line) lines.push(line)
  return lines
}

const GAP = 2
const MIN_COLUMN = 8

/**
 * Aligned columns that fit `width`: when the natural layout is wider, the widest of the `wrap` columns (default:
 * all) give way and their cells wrap onto continuation lines (each row stays together), so nothing runs past the
 * edge of the terminal. Columns left out of `wrap` (dates, states, serials) keep their width.
 * @example table([['STORE', 'WHERE'], ['nss', '/home/me/.pki/nssdb']], 80)
 */
export function table(rows: string[][], width: number = terminalWidth(), wrap?: number[]): string {
  const columns = rows[0]!.length
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length)))
  const flexible = wrap ?? widths.map((_, column) => column)
  // shrink the widest wrapping column, one character at a time, until the row fits (or all are at their minimum)
  while (widths.reduce((sum, w) => sum + w, 0) + GAP * (columns - 1) > width) {
    const widest = flexible.reduce((best, column) => (widths[column]! > widths[best]! ? column : best), flexible[0]!)
    if (widths[widest]! <= MIN_COLUMN) break
    widths[widest]!--
  }
  const lines: string[] = []
  for (const row of rows) {
    const cells = widths.map((w, column) => wrapText(row[column] ?? '', w))
    const height = Math.max(...cells.map((cell) => cell.length))
    for (let index = 0; index < height; index++) {
      lines.push(cells.map((cell, column) => (cell[index] ?? '').padEnd(widths[column]!)).join(' '.repeat(GAP)).trimEnd())
    }
  }
  return lines.join('\n')
}

/**
 * Prose for the terminal: each line wrapped at spaces to `width`, its continuation lines indented two more than
 * the line itself (never a table or a command to copy: those have their own layout).
 * @example this.log(fit(`Root ${subject} (SHA-256 ${fingerprint})`))
 */
export function fit(text: string, width: number = terminalWidth()): string {
  return text
    .split('\n')
    .map((line) => {
      // wrap the text after the line's own indent: wrapText splits at spaces, so a leading run would be lost
      const lead = ' '.repeat(line.length - line.trimStart().length)
      const body = line.trimStart()
      const first = wrapText(body, width - lead.length)[0]!
      const rest = body.slice(first.length).trimStart()
      return [lead + first, ...(rest ? wrapText(rest, width - lead.length - 2).map((more) => `${lead}  ${more}`) : [])].join('\n')
    })
    .join('\n')
}

/**
 * A `label: value` line that wraps its value under itself: `  names:       localhost, *.localhost, …`.
 * @example labelled('  names:       ', describePolicy(policy), 80)
 */
export function labelled(label: string, value: string, width: number = terminalWidth()): string {
  const indent = ' '.repeat(label.length)
  return wrapText(value, Math.max(width - label.length, 20)).map((line, index) => (index === 0 ? label : indent) + line).join('\n')
}

/** mkcert's file naming: first name, `*` → `_wildcard`, `:` → `_`, `+N` for N more names. */
export function defaultBaseName(names: readonly string[], client: boolean): string {
  const first = names[0]!.replace(/^\*/, '_wildcard').replace(/:/g, '_').replace(/[/\\]/g, '_')
  return `${first}${names.length > 1 ? `+${names.length - 1}` : ''}${client ? '-client' : ''}`
}
