import {execFileSync} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {randomBytes} from 'node:crypto'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

/**
 * One temporary directory per run: TMPDIR points into it for the workers and every tool they start (certbot,
 * chromium, openssl…), and it is removed at the end, so a run leaves /tmp exactly as it found it.
 */
export default function setup() {
  process.env.LOCALCERT_TEST_RUN ??= randomBytes(4).toString('hex')
  const runDir = mkdtempSync(path.join(tmpdir(), 'localcert-test-run-'))
  // like /tmp itself: tests that run tools as another user (nobody) must reach their directories
  chmodSync(runDir, 0o1777)
  process.env.TMPDIR = runDir
  // the suite's many throw-away CAs stay out of the developer's own keychain; test/cli/keyring.test.ts clears this
  process.env.LOCALCERT_KEY_PROTECTION ??= 'file'
  // one `npm pack` of the built package for every test that installs it as a user would (test/support/project.ts)
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', runDir], {cwd: fileURLToPath(new URL('../..', import.meta.url)), encoding: 'utf8'})
  process.env.LOCALCERT_TEST_TARBALL = path.join(runDir, packed.trim().split('\n').pop()!)
  return async () => {
    const {SKIP_LOG} = await import('./tools.js')
    const reasons = existsSync(SKIP_LOG) ? [...new Set(readFileSync(SKIP_LOG, 'utf8').split('\n').filter(Boolean))] : []
    rmSync(runDir, {recursive: true, force: true})
    if (reasons.length === 0) return
    process.stderr.write(`\n${'!'.repeat(72)}\n${reasons.length} group(s) of tests were SKIPPED:\n${reasons.map((r) => `  - ${r}`).join('\n')}\n${'!'.repeat(72)}\n`)
  }
}
