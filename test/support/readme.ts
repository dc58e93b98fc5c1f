import {readFileSync} from 'node:fs'
import path from 'node:path'
import {ROOT} from './env.js'

/** One fenced code block of the README: its language, where it starts (1-based line of the fence) and its text. */
export interface ReadmeBlock {
  lang: string
  line: number
  text: string
  /** The `<!-- name -->` comment right above the fence, if any (e.g. `recipe: express`), which tests find blocks by. */
  marker?: string
  /** The `##`/`###` heading the block sits under. */
  section: string
}

/**
 * Every fenced code block of README.md, in order, with the marker comment above it and its section.
 * @example readmeBlocks().find((block) => block.marker === 'recipe: express')
 */
export function readmeBlocks(file = path.join(ROOT, 'README.md')): ReadmeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n')
  const blocks: ReadmeBlock[] = []
  let section = ''
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!
    const heading = /^#{2,4} (.*)/.exec(line)
    if (heading) section = heading[1]!
    const fence = /^(\s*)```(\S*)\s*$/.exec(line)
    if (!fence) continue
    const indent = fence[1]!.length
    const start = index
    const body: string[] = []
    while (++index < lines.length && !/^\s*```\s*$/.test(lines[index]!)) body.push(lines[index]!.slice(indent))
    let above = start - 1
    while (above >= 0 && lines[above]!.trim() === '') above--
    const marker = /^\s*<!--\s*(.*?)\s*-->\s*$/.exec(lines[above] ?? '')?.[1]
    blocks.push({lang: fence[2]!, line: start + 1, text: body.join('\n') + '\n', marker, section})
  }
  return blocks
}

/** The one block with this marker; throws (naming the marker) when the README lost it or has it twice. */
export function readmeBlock(marker: string): ReadmeBlock {
  const found = readmeBlocks().filter((block) => block.marker === marker)
  if (found.length !== 1) throw new Error(`README.md has ${found.length} code blocks marked <!-- ${marker} -->, expected 1`)
  return found[0]!
}

/**
 * The commands of a shell block: continuation lines joined, blank and comment-only lines dropped, each with the
 * README line it starts on.
 * @example shellCommands(block) // [{command: 'localcert status', line: 88}, …]
 */
export function shellCommands(block: ReadmeBlock): Array<{command: string; line: number}> {
  const commands: Array<{command: string; line: number}> = []
  const lines = block.text.split('\n')
  for (let index = 0; index < lines.length; index++) {
    const startLine = block.line + 1 + index
    let command = lines[index]!
    while (command.endsWith('\\') && index + 1 < lines.length) command = command.slice(0, -1) + lines[++index]!.trimStart()
    if (command.trim() === '' || command.trim().startsWith('#')) continue
    commands.push({command: command.trim(), line: startLine})
  }
  return commands
}

/** A shell command without its trailing `# comment` (outside quotes), as the README's skip lists name it. */
export function withoutComment(command: string): string {
  let quote = ''
  for (let index = 0; index < command.length; index++) {
    const char = command[index]!
    if (quote) {
      if (char === quote) quote = ''
    } else if (char === "'" || char === '"') quote = char
    else if (char === '#' && (index === 0 || /\s/.test(command[index - 1]!))) return command.slice(0, index).trim()
  }
  return command.trim()
}
