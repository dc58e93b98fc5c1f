import {chmod, mkdtemp, rm, writeFile} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import type {TrustRoot} from './root.js'

/**
 * Gives tools that only take a file (security, certutil.exe, trust anchor, openssl verify) the root as a
 * world-readable temporary PEM file, deleted afterwards. A root certificate is public; nothing secret is written.
 * @example await withRootFile(root, (file) => ctx.change('security', ['add-trusted-cert', file]))
 */
export async function withRootFile<T>(root: TrustRoot, use: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(tmpdir(), 'localcert-root-'))
  try {
    // readable by root (sudo) and by the user a command runs as
    await chmod(dir, 0o755)
    const file = path.join(dir, `${root.name}.pem`)
    await writeFile(file, root.pem, {mode: 0o644})
    return await use(file)
  } finally {
    await rm(dir, {recursive: true, force: true})
  }
}
