import {LocalcertError} from '../errors.js'
import {isLoopback} from '../lib/ip.js'

/**
 * The marked block localcert keeps in a hosts file, read and written as text: every byte outside the block (other
 * lines, comments, line endings, a missing final newline) is kept exactly as it was.
 */

export const BLOCK_BEGIN = '# localcert begin (managed by `localcert hosts`; edit with `localcert hosts add|remove`)'
export const BLOCK_END = '# localcert end'
const BEGIN_MARK = /^\s*#\s*localcert begin\b/
const END_MARK = /^\s*#\s*localcert end\s*$/
const OUR_LINE = /^(127\.0\.0\.1|::1)[ \t]+([^\s#]+)[ \t]*$/

export interface HostsText {
  text: string
  /** The file's line ending (CRLF if any line has one), used for the lines we write. */
  eol: '\r\n' | '\n'
  /** Our block as character offsets [start, end) covering whole lines, and the names in it (in order). */
  block?: {start: number; end: number; names: string[]}
  /** Names on loopback lines outside our block (the system's own `localhost`, entries added by hand). */
  otherLoopbackNames: string[]
}

/** Lines with their terminators, and where each starts. */
function splitLines(text: string): Array<{line: string; start: number; end: number}> {
  const lines: Array<{line: string; start: number; end: number}> = []
  const pattern = /[^\n]*(\n|$)/g
  for (let match = pattern.exec(text); match && match[0] !== ''; match = pattern.exec(text)) {
    lines.push({line: match[0].replace(/\r?\n$/, ''), start: match.index, end: match.index + match[0].length})
  }
  return lines
}

function edited(file: string, problem: string, fix: string): LocalcertError {
  return new LocalcertError('HOSTS_BLOCK_EDITED', `the localcert block in ${file} was edited by hand: ${problem}; nothing was written`, fix)
}

/**
 * Reads a hosts file's text: finds our block and checks that it is still as we wrote it (else HOSTS_BLOCK_EDITED).
 * @example parseHosts('127.0.0.1 localhost\n', '/etc/hosts').block // undefined
 */
export function parseHosts(text: string, file: string): HostsText {
  const lines = splitLines(text)
  const begins = lines.filter(({line}) => BEGIN_MARK.test(line))
  const ends = lines.filter(({line}) => END_MARK.test(line))
  const fix = `open ${file} as administrator and make the lines between "# localcert begin" and "# localcert end" only "127.0.0.1 NAME" and "::1 NAME" lines (or delete the whole block), then run the command again`
  if (begins.length > 1 || ends.length > 1) throw edited(file, `it has ${begins.length} "# localcert begin" and ${ends.length} "# localcert end" lines`, fix)
  if (begins.length !== ends.length) throw edited(file, begins.length ? 'it has a "# localcert begin" line without "# localcert end"' : 'it has a "# localcert end" line without "# localcert begin"', fix)
  const [begin, end] = [begins[0], ends[0]]
  if (begin && end && end.start < begin.start) throw edited(file, '"# localcert end" comes before "# localcert begin"', fix)
  const inside = (at: number) => begin !== undefined && end !== undefined && at > begin.start && at < end.start
  const names: string[] = []
  const otherLoopbackNames: string[] = []
  for (const entry of lines) {
    if (inside(entry.start)) {
      const ours = OUR_LINE.exec(entry.line)
      if (!ours) throw edited(file, `it holds a line localcert did not write: ${JSON.stringify(entry.line)}`, fix)
      if (!names.includes(ours[2]!)) names.push(ours[2]!)
    } else if (entry !== begin && entry !== end) {
      const [address, ...hosts] = entry.line.replace(/#.*/, '').trim().split(/\s+/)
      if (address && isLoopback(address)) for (const host of hosts) if (!otherLoopbackNames.includes(host.toLowerCase())) otherLoopbackNames.push(host.toLowerCase())
    }
  }
  return {
    text,
    eol: text.includes('\r\n') ? '\r\n' : '\n',
    block: begin && end ? {start: begin.start, end: end.end, names} : undefined,
    otherLoopbackNames,
  }
}

/** Our block's lines for these names: IPv4 and IPv6 loopback for each. */
function blockLines(names: readonly string[]): string[] {
  return [BLOCK_BEGIN, ...names.flatMap((name) => [`127.0.0.1 ${name}`, `::1 ${name}`]), BLOCK_END]
}

/**
 * The file's text with our block holding exactly `names` (no block at all when `names` is empty); the rest unchanged.
 * A new block goes at the end; removing the block undoes exactly what adding it did, newline included.
 * @example withBlock(parseHosts('127.0.0.1 localhost', file), ['app.localhost']) // '127.0.0.1 localhost\n# localcert begin …\n…\n# localcert end'
 */
export function withBlock(hosts: HostsText, names: readonly string[]): string {
  const {text, eol, block} = hosts
  if (!block) {
    if (names.length === 0) return text
    // a file without a final newline gets one before our block, and our block then ends without one (so removal restores it)
    const endsOpen = text !== '' && !text.endsWith('\n')
    return endsOpen ? text + eol + blockLines(names).join(eol) : text + blockLines(names).join(eol) + eol
  }
  const closed = text.slice(0, block.end).endsWith('\n')
  if (names.length === 0) {
    // a block that ends the file without a newline took the newline before it when it was added: give it back
    const start = !closed && block.start > 0 ? block.start - (text.slice(0, block.start).endsWith('\r\n') ? 2 : 1) : block.start
    return text.slice(0, start) + text.slice(block.end)
  }
  return text.slice(0, block.start) + blockLines(names).join(eol) + (closed ? eol : '') + text.slice(block.end)
}
