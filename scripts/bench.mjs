// `npm run bench`: every benchmark, each side by side with its peer in the same run, with its default settings (their
// arguments differ: bench-cert/-devserver take a round count, bench-acme flags; run one directly to set them).
import {spawnSync} from 'node:child_process'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const here = path.dirname(fileURLToPath(import.meta.url))
let failed = false
for (const script of ['bench-cert.mjs', 'bench-setup.mjs', 'bench-devserver.mjs', 'bench-keys.mjs', 'bench-acme.mjs', 'bench-package.mjs']) {
  const result = spawnSync(process.execPath, [path.join(here, script)], {stdio: 'inherit'})
  if (result.status !== 0) failed = true
}
process.exit(failed ? 1 : 0)
