import {writeFile, stat} from 'node:fs/promises'
import {LocalcertError} from '../errors.js'

/**
 * Runs `fn` while holding a cross-process lock on `lockTarget` (a file that must exist; created empty if not).
 * A holder killed with SIGKILL is taken over once its lock is 5 s stale.
 */
export async function withLock<T>(lockTarget: string, fn: () => Promise<T>): Promise<T> {
  // proper-lockfile is CommonJS: its named exports sit on `default` once bundled
  const lockfile = await import('proper-lockfile')
  const lock = lockfile.lock ?? (lockfile as unknown as {default: typeof lockfile}).default.lock
  try {
    await stat(lockTarget)
  } catch {
    await writeFile(lockTarget, '', {mode: 0o600, flag: 'a'})
  }
  let release: () => Promise<void>
  try {
    release = await lock(lockTarget, {stale: 5_000, update: 1_000, realpath: false, retries: {retries: 600, factor: 1.2, minTimeout: 10, maxTimeout: 250}})
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') {
      throw new LocalcertError('HOME_UNUSABLE', `cannot lock ${lockTarget}: ${(error as Error).message}`, 'check the permissions of the localcert home directory', {cause: error})
    }
    throw new LocalcertError('LOCK_TIMEOUT', `another localcert process holds ${lockTarget}.lock`, 'wait for it to finish, or delete that directory if no localcert process is running', {cause: error})
  }
  try {
    return await fn()
  } finally {
    await release().catch(() => undefined)
  }
}
