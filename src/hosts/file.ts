import {access, constants, open, readFile, realpath, rename, stat, unlink} from 'node:fs/promises'
import path from 'node:path'
import {LocalcertError} from '../errors.js'
import {exec, onPath} from '../lib/exec.js'
import {hostsFilePath} from '../lib/resolve.js'
import {elevatorPrefix, findElevator, PASSWORD_NEEDED, type Elevator} from '../lib/sudo.js'
import {randomId, writeError} from '../state/files.js'

/** The machine a hosts change runs on: the real one by default, anything overridable for boundary tests. */
export interface HostsMachine {
  platform: NodeJS.Platform
  env: NodeJS.ProcessEnv
  uid: number | undefined
  /** A terminal is attached: sudo may ask for a password. */
  interactive: boolean
  which(command: string): Promise<boolean>
  /** We may replace the file ourselves (the file and its directory are writable). */
  writable(file: string): Promise<boolean>
}

const canWrite = (target: string) => access(target, constants.W_OK).then(() => true, () => false)

/**
 * This machine, with any field replaced.
 * @example const machine = hostsMachine({platform: 'win32', writable: async () => false})
 */
export function hostsMachine(overrides: Partial<HostsMachine> = {}): HostsMachine {
  return {
    platform: process.platform,
    env: process.env,
    uid: typeof process.getuid === 'function' ? process.getuid() : undefined,
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    which: onPath,
    writable: async (file) => (await canWrite(path.dirname(file))) && ((await canWrite(file)) || !(await access(file).then(() => true, () => false))),
    ...overrides,
  }
}

/**
 * The hosts file of this machine (or of the fake one a test passes).
 * @example hostsFile({platform: 'win32', env: {SystemRoot: 'C:\\Windows'}}) // 'C:\\Windows\\System32\\drivers\\etc\\hosts'
 */
export function hostsFile(machine: Pick<HostsMachine, 'platform' | 'env'>): string {
  return hostsFilePath(machine.platform, machine.env)
}

/**
 * The file a hosts path really is: a symlinked /etc/hosts (NixOS, some containers) is edited at its target, and
 * the link is kept.
 * @example await realHostsFile('/etc/hosts') // '/etc/static/hosts' on NixOS
 */
export async function realHostsFile(file: string): Promise<string> {
  return realpath(file).catch(() => file)
}

/**
 * The file's text, one character per byte (latin1), so that whatever encoding its comments are in, every byte
 * outside our block is written back exactly; a missing file reads as empty (a fresh container may have none).
 */
export async function readHostsText(file: string): Promise<string> {
  try {
    return await readFile(file, 'latin1')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ''
    if ((error as NodeJS.ErrnoException).code === 'EACCES') throw new LocalcertError('PERMISSION_DENIED', `cannot read ${file}: permission denied`, `check its permissions (\`ls -l ${file}\`); a hosts file is normally readable by everyone`, {cause: error})
    throw writeError(file, error)
  }
}

/** Writes `data` over `file` in place (same inode): the one way into a bind-mounted file, as Docker mounts /etc/hosts. */
async function writeInPlace(file: string, data: string): Promise<void> {
  const handle = await open(file, 'r+')
  try {
    const bytes = Buffer.from(data, 'latin1')
    await handle.write(bytes, 0, bytes.length, 0)
    await handle.truncate(bytes.length)
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Replaces the file atomically (temp file in the same directory, its mode and owner copied, then rename), or in place
 * when the rename cannot work (EBUSY/EXDEV: a bind-mounted file).
 * @example await replaceHostsFile('/etc/hosts', text)
 */
export async function replaceHostsFile(file: string, data: string): Promise<void> {
  const info = await stat(file).catch(() => undefined)
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.localcert-${randomId()}`)
  try {
    const handle = await open(temp, 'wx', 0o600)
    try {
      await handle.writeFile(data, 'latin1')
      await handle.chmod(info ? info.mode & 0o7777 : 0o644)
      if (info && process.platform !== 'win32' && (info.uid !== process.getuid?.() || info.gid !== process.getgid?.())) await handle.chown(info.uid, info.gid)
      await handle.sync()
    } finally {
      await handle.close()
    }
    try {
      await rename(temp, file)
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'EBUSY' && code !== 'EXDEV') throw error
      await unlink(temp).catch(() => undefined)
      await writeInPlace(file, data)
    }
  } catch (error) {
    await unlink(temp).catch(() => undefined)
    throw writeError(file, error)
  }
}

/**
 * The shell script root runs through sudo: the same steps as replaceHostsFile (copy with mode and owner, fill from
 * stdin, rename), and an in-place write when the rename fails (sh cannot tell EBUSY from other errors).
 */
export const SUDO_WRITE_SCRIPT = 'set -e; f="$(readlink -f "$1")"; t="$(dirname "$f")/.$(basename "$f").localcert-$$"; trap \'rm -f "$t"\' EXIT; cp -p "$f" "$t"; cat > "$t"; mv -f "$t" "$f" 2>/dev/null || cat "$t" > "$f"'

/** replaceHostsFile with a refusal that says what to do about a hosts file (not about LOCALCERT_HOME). */
async function replaceAsHostsError(file: string, data: string): Promise<void> {
  try {
    await replaceHostsFile(file, data)
  } catch (error) {
    if ((error as LocalcertError).code !== 'PERMISSION_DENIED') throw error
    throw new LocalcertError('PERMISSION_DENIED', (error as Error).message, `run the same localcert command as root (\`sudo localcert hosts …\`), or check why ${file} cannot be written (\`ls -l ${file}\`; a read-only mount?)`, {cause: error})
  }
}

/** sudo, else doas; with neither, the refusal comes before anything is announced or asked. */
async function requireElevator(file: string, machine: HostsMachine): Promise<Elevator> {
  const elevator = await findElevator(machine.which)
  if (!elevator) throw new LocalcertError('PERMISSION_DENIED', `cannot write ${file}: it belongs to root, and neither sudo nor doas is installed`, 'run the same localcert command as root')
  return elevator
}

/**
 * Why root is needed and what localcert writes through, for the explanation shown before asking (PERMISSION_DENIED
 * when there is nothing to write through).
 * @example await whyElevation('/etc/hosts', hostsMachine()) // '/etc/hosts belongs to root, so localcert writes it through sudo'
 */
export async function whyElevation(file: string, machine: HostsMachine): Promise<string> {
  if (machine.platform === 'win32') return `${file} can only be changed from an administrator terminal`
  return `${file} belongs to root, so localcert writes it through ${await requireElevator(file, machine)}`
}

/**
 * Writes the new text with the rights it takes: directly when we may, through `sudo sh -c …` as a user on
 * Linux/macOS (the command goes through exec(), so tests see it), NEEDS_ROOT on Windows without an administrator.
 * @example await writeHostsText('/etc/hosts', text, hostsMachine())
 */
export async function writeHostsText(file: string, data: string, machine: HostsMachine): Promise<void> {
  if (await machine.writable(file)) return replaceAsHostsError(file, data)
  if (machine.platform === 'win32') throw new LocalcertError('NEEDS_ROOT', `${file} can only be changed by an administrator`, 'run from an administrator terminal ("Run as administrator"), then run the command again')
  if (machine.uid === 0) return replaceAsHostsError(file, data)
  const elevator = await requireElevator(file, machine)
  const result = await exec(elevator, [...elevatorPrefix(elevator, machine.interactive), 'sh', '-c', SUDO_WRITE_SCRIPT, 'localcert-hosts', file], {input: Buffer.from(data, 'latin1'), reject: false})
  if (result.exitCode === 0) return
  if (PASSWORD_NEEDED.test(result.stderr)) throw new LocalcertError('NEEDS_ROOT', `${file} belongs to root, and ${elevator} cannot ask for a password without a terminal`, `run \`${elevator} -v\` in a terminal first (it remembers your password for a few minutes), then run localcert again`)
  throw new LocalcertError('PERMISSION_DENIED', `cannot write ${file} through ${elevator} (exit ${result.exitCode}): ${(result.stderr || result.stdout).trim().split('\n')[0] || 'no message'}`, `run the same localcert command as root, or check that ${elevator} lets you run sh`)
}
