import {existsSync, readFileSync, rmSync} from 'node:fs'
import {randomBytes} from 'node:crypto'

export default function setup() {
  process.env.LOCALCERT_TEST_RUN ??= randomBytes(4).toString('hex')
  return async () => {
    const {SKIP_LOG} = await import('./tools.js')
    if (!existsSync(SKIP_LOG)) return
    const reasons = [...new Set(readFileSync(SKIP_LOG, 'utf8').split('\n').filter(Boolean))]
    rmSync(SKIP_LOG, {force: true})
    process.stderr.write(`\n${'!'.repeat(72)}\n${reasons.length} group(s) of tests were SKIPPED:\n${reasons.map((r) => `  - ${r}`).join('\n')}\n${'!'.repeat(72)}\n`)
  }
}
