import {cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, expect, it} from 'vitest'
import {ROOT, sh, tempDir} from '../support/env.js'

function folders(dir: string): string[] {
  return readdirSync(dir).filter((entry) => statSync(path.join(dir, entry)).isDirectory()).flatMap((entry) => [path.join(dir, entry), ...folders(path.join(dir, entry))])
}

describe('the layout a newcomer reads', () => {
  it('has no import against the layer order and no file cycle (scripts/check-layers.mjs)', async () => {
    const result = await sh(process.execPath, [path.join(ROOT, 'scripts', 'check-layers.mjs')])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toMatch(/^imports run one way: \d+ files in src\/, no upward import, no cycle\n$/)
  })

  it('check-layers refuses an upward import (in any quote style, type-only or dynamic) and a cycle when it sees one', async () => {
    const copy = tempDir('localcert-layout-')
    mkdirSync(path.join(copy, 'scripts'))
    cpSync(path.join(ROOT, 'scripts', 'check-layers.mjs'), path.join(copy, 'scripts', 'check-layers.mjs'))
    mkdirSync(path.join(copy, 'src', 'ca'), {recursive: true})
    mkdirSync(path.join(copy, 'src', 'api'), {recursive: true})
    writeFileSync(path.join(copy, 'src', 'ca', 'a.ts'), "import {b} from '../api/b.js'\nexport const a = 1\n")
    writeFileSync(path.join(copy, 'src', 'api', 'b.ts'), "import {a} from '../ca/a.js'\nexport const b = a\n")
    mkdirSync(path.join(copy, 'src', 'state'), {recursive: true})
    writeFileSync(path.join(copy, 'src', 'state', 'c.ts'), 'import type {A} from "../ca/a.js"\nexport const c = await import(`../api/b.js`)\n')
    const result = await sh(process.execPath, [path.join(copy, 'scripts', 'check-layers.mjs')])
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('ca/a.ts imports api/b.ts: ca/ may not import api/')
    expect(result.stderr).toMatch(/cycle: (ca\/a\.ts → api\/b\.ts → ca\/a\.ts|api\/b\.ts → ca\/a\.ts → api\/b\.ts)/)
    // double quotes, import type and a template-literal dynamic import count too
    expect(result.stderr).toContain('state/c.ts imports ca/a.ts: state/ may not import ca/')
    expect(result.stderr).toContain('state/c.ts imports api/b.ts: state/ may not import api/')
  })

  it("the README's map names every folder of src/ (and no folder that is gone)", () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8')
    const map = readme.slice(readme.indexOf('### How the code is laid out'), readme.indexOf('## License'))
    const listed = [...map.matchAll(/^\| `(src\/[^`]+)\/` \|/gm)].map((match) => match[1])
    // subfolders of commands/ are oclif topics (`trust …`, `service …`), part of the commands row
    const actual = folders(path.join(ROOT, 'src')).map((dir) => path.relative(ROOT, dir)).filter((dir) => !dir.startsWith('src/commands/'))
    expect([...listed].sort()).toEqual([...actual].sort())
  })
})
