import {mkdir, chmod, stat, readFile} from 'node:fs/promises'
import {randomBytes} from 'node:crypto'
import path from 'node:path'
import {LocalcertError} from '../errors.js'

/** Creates `dir` (and parents) with mode 0700, and tightens it if it already exists looser. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, {recursive: true, mode: 0o700})
    const info = await stat(dir)
    if (!info.isDirectory()) throw new LocalcertError('HOME_UNUSABLE', `${dir} exists and is not a directory`, 'move it away or set LOCALCERT_HOME to another path')
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) await chmod(dir, 0o700)
  } catch (error) {
    if (error instanceof LocalcertError) throw error
    throw new LocalcertError('HOME_UNUSABLE', `cannot use ${dir}: ${(error as Error).message}`, 'check its permissions or set LOCALCERT_HOME to a writable directory', {cause: error})
  }
}

/** Writes a file atomically (temp file + fsync + rename): readers see the old content or the new, never half. */
export async function writeFileSafely(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  try {
    await mkdir(path.dirname(file), {recursive: true})
    // loaded on first write: a dev server's cached boot only reads (write-file-atomic pulls in signal-exit)
    const {default: writeFileAtomic} = await import('write-file-atomic')
    await writeFileAtomic(file, typeof data === 'string' ? data : Buffer.from(data), {mode, fsync: true})
  } catch (error) {
    throw writeError(file, error)
  }
}

/**
 * A failed write as the error that says what happened: the disk is full, we may not write there, or something else.
 * @example await appendFile(file, line).catch((error) => { throw writeError(file, error) })
 */
export function writeError(file: string, error: unknown): LocalcertError {
  const code = (error as NodeJS.ErrnoException).code
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new LocalcertError('DISK_FULL', `cannot write ${file}: the disk is full${code === 'EDQUOT' ? ' (your quota is used up)' : ''}`, `free some space on the disk that holds ${path.dirname(file)} (\`df -h ${path.dirname(file)}\` shows how much is left), then run the command again`, {cause: error})
  }
  if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
    return new LocalcertError('PERMISSION_DENIED', `cannot write ${file}: ${code === 'EROFS' ? 'the file system is read-only' : 'permission denied'}`, `check who owns ${path.dirname(file)} (\`ls -ld ${path.dirname(file)}\`), or set LOCALCERT_HOME to a directory you can write`, {cause: error})
  }
  return new LocalcertError('WRITE_FAILED', `cannot write ${file}: ${code ?? (error as Error).message}`, 'check that the directory exists and is writable', {cause: error})
}

export async function readJson<T>(file: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as T
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

export function randomId(bytes = 6): string {
  return randomBytes(bytes).toString('hex')
}
