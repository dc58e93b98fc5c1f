// Checks the direction of imports in src/ (README: How the code is laid out):
//   commands → (cli | doctor) → (api | acme | trust | distribute | service | hosts) → ca → state → lib, errors
// (doctor/ sits beside cli: its checks read every rank-4 folder, which may not import each other)
// (distribute/ is the layer the containers/packages/phones work will add)
// A file may import from its own folder or from a folder below it, never from one above it or from a sibling of
// the middle row, and no two files may import each other in a cycle. Type-only and dynamic imports count too.
// Run: node scripts/check-layers.mjs  (exit 1 and one line per violation when the layout is broken)
import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const src = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'src')
const RANK = {index: 7, commands: 6, cli: 5, doctor: 5, api: 4, acme: 4, trust: 4, distribute: 4, service: 4, hosts: 4, ca: 3, state: 2, lib: 1, errors: 1}

function files(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const full = path.join(dir, entry)
    return statSync(full).isDirectory() ? files(full) : entry.endsWith('.ts') ? [full] : []
  })
}

function layer(file) {
  const first = path.relative(src, file).split(path.sep)[0].replace(/\.ts$/, '')
  if (!(first in RANK)) throw new Error(`${path.relative(src, file)}: no layer for "${first}"; add it to scripts/check-layers.mjs and the README's map`)
  return first
}

const graph = new Map()
const problems = []
for (const file of files(src)) {
  const text = readFileSync(file, 'utf8')
  // static and dynamic imports, re-exports, side-effect imports; single, double or back quotes (without ${})
  const targets = [...text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s*)(['"`])(\.{1,2}\/[^'"`$]+)\1/g)].map((match) => path.resolve(path.dirname(file), match[2].replace(/\.js$/, '.ts')))
  graph.set(file, targets)
  const own = layer(file)
  for (const target of targets) {
    const other = layer(target)
    if (other === own) continue
    if (RANK[other] > RANK[own] || (RANK[other] === RANK[own] && RANK[own] === 4)) {
      problems.push(`${path.relative(src, file)} imports ${path.relative(src, target)}: ${own}/ may not import ${other}/`)
    }
  }
}

// file cycles (depth-first search, each cycle reported once)
const state = new Map()
const stack = []
function visit(file) {
  state.set(file, 'open')
  stack.push(file)
  for (const target of graph.get(file) ?? []) {
    if (state.get(target) === 'open') problems.push(`cycle: ${[...stack.slice(stack.indexOf(target)), target].map((f) => path.relative(src, f)).join(' → ')}`)
    else if (!state.has(target)) visit(target)
  }
  stack.pop()
  state.set(file, 'done')
}
for (const file of graph.keys()) if (!state.has(file)) visit(file)

if (problems.length) {
  process.stderr.write(`${problems.length} import(s) against the layout:\n${problems.map((line) => `  ${line}`).join('\n')}\n`)
  process.exit(1)
}
console.log(`imports run one way: ${graph.size} files in src/, no upward import, no cycle`)
