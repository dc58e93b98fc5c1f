import {X509Certificate} from 'node:crypto'
import {LocalcertError} from '../errors.js'
import type {ExecOptions, ExecResult} from '../lib/exec.js'
import {sha256Hex} from '../lib/hash.js'
import {toPem} from '../lib/pem.js'
import type {StoredCert, TrustRoot} from './root.js'

/** The stores localcert knows; `system` is the Linux system store, `windows` also covers the Windows side of WSL. */
export const STORE_IDS = ['system', 'nss', 'java', 'keychain', 'windows', 'runtimes'] as const
export type StoreId = (typeof STORE_IDS)[number]

/** The OS-level stores, skipped by `--no-system`. */
export const OS_STORES: readonly StoreId[] = ['system', 'keychain', 'windows']

/** Reads the machine; tests pass a fake rooted in a temp directory to play another distro. */
export interface MachineFs {
  exists(file: string): Promise<boolean>
  readText(file: string): Promise<string | undefined>
  /** The bytes of a binary file (a Java keystore); absent on fakes, where stores ask their tool instead. */
  readBytes?(file: string): Promise<Buffer | undefined>
  /** Entry names of a directory ([] when it does not exist). */
  list(dir: string): Promise<string[]>
  /** Owner of a file or directory (undefined on Windows or when missing). */
  owner(file: string): Promise<{uid: number; gid: number} | undefined>
  writable(file: string): Promise<boolean>
  realpath(file: string): Promise<string>
  /** Target of a symbolic link (undefined when `file` is not one). */
  readlink(file: string): Promise<string | undefined>
}

/** Everything a store needs to know about the machine and the run; built by `createContext()`. */
export interface TrustContext {
  platform: NodeJS.Platform
  env: NodeJS.ProcessEnv
  /** The user's home directory ($HOME): where browser profiles live. */
  homeDir: string
  /** The localcert state directory (runtime bundles live in `<it>/trust`). */
  localcertHome: string
  /** Our uid (undefined on Windows). */
  uid: number | undefined
  /** A person can answer a password prompt or a dialog (stdin and stderr are terminals). */
  interactive: boolean
  dryRun: boolean
  fs: MachineFs
  /** True when `command` is on PATH. */
  which(command: string): Promise<boolean>
  /** Runs a command that only reads; never throws for a non-zero exit. */
  read(command: string, args: string[], options?: ExecOptions): Promise<ExecResult>
  /** Runs a command that changes the machine (recorded instead under --dry-run). */
  change(command: string, args: string[], options?: ExecOptions): Promise<ExecResult>
  /**
   * Runs a changing command that needs root: directly when we are root, else through `sudo` (`sudo -n` when nobody
   * can type a password). `why` is told to the user once, before the first prompt.
   */
  privileged(why: string, command: string, args: string[], options?: ExecOptions): Promise<ExecResult>
  /** Records a change made without a command (a file written by us) for --dry-run output. */
  plan(description: string): void
  /** The commands and changes planned (or made) for the current target. */
  planned: string[]
  log(line: string): void
  options: ContextOptions
}

export interface ContextOptions {
  /** macOS: use the System keychain (admin) instead of the login keychain. */
  systemKeychain?: boolean
  /** Windows: LocalMachine\Root (elevated, seen by services) instead of CurrentUser\Root. */
  machine?: boolean
  /** Only these JDK homes (default: every JDK found). */
  javaHomes?: string[]
  /** Extra NSS database directories to handle besides the ones discovered. */
  nssDbs?: string[]
  /** Add (or keep) the line that loads the runtime variables in the shell profile. */
  shellProfile?: boolean
  /** Shell whose profile `--shell-profile` edits (default: from $SHELL). */
  shell?: string
}

/** One place inside a store: an NSS database, a JDK's cacerts, a keychain, the Linux system bundle… */
export interface StoreTarget {
  store: StoreId
  /** Where, for people: a path or a store name. */
  location: string
  /**
   * Whether `install` includes this place: yes (default), no (another option chose its sibling, e.g. the System
   * keychain instead of the login one), or ask (only when the user agrees or names the store in --stores, e.g.
   * the Windows side of WSL). `hint` says how to include it. Status and uninstall always include every place.
   */
  choice?: {install: 'yes' | 'no' | 'ask'; hint?: string; question?: string}
  /** Certificates this place trusts that matter to us (all of them for small stores, CA roots for bundles). */
  list(): Promise<StoredCert[]>
  /** Adds `root` (idempotent: callers check has() first, but an install of a present root must not fail). */
  install(root: TrustRoot): Promise<void>
  /** Removes every copy of `root` (idempotent: absent is success). */
  uninstall(root: TrustRoot): Promise<void>
  /**
   * A quick "is `root` trusted here?" that reads the store in process (a file, one listing) instead of list(); the
   * answer must match hasRoot() over list(). Absent: list() is used.
   */
  has?(root: TrustRoot): Promise<boolean>
  /** Set when changing this place needs sudo (or a dialog): what the plan tells the user before it starts. */
  elevation?: {how: 'sudo' | 'dialog'; why: string}
  /** Traces of `root` that list() does not show (an anchor file not yet in the bundle): uninstall cleans them. */
  leftovers?(root: TrustRoot): Promise<string[]>
  /** Checks the store really behaves as expected (trusts the root, or no longer has it); throws when not. */
  verify(root: TrustRoot, present: boolean): Promise<void>
  /** Advice shown next to this place in `trust status` (e.g. "restart Firefox"). */
  note?: string
}

/** What a store found on this machine: places to work on, and places it knows of but cannot use (with why). */
export interface Detection {
  targets: StoreTarget[]
  missing: Array<{location: string; message: string; hint?: string}>
}

/** One kind of store (one module each): detect() finds its places on this machine. */
export interface TrustStore {
  id: StoreId
  title: string
  /** False when the store cannot exist on this platform (it then stays out of every table). */
  appliesTo(ctx: TrustContext): boolean
  detect(ctx: TrustContext): Promise<Detection>
}

export async function hasRoot(target: StoreTarget, root: TrustRoot): Promise<boolean> {
  if (target.has) return target.has(root)
  return (await target.list()).some((cert) => cert.fingerprint === root.fingerprint && cert.trusted !== false)
}

/** Raised by verify(): the store does not behave as the operation promised. */
export class VerificationError extends LocalcertError {
  constructor(message: string) {
    super('VERIFICATION_FAILED', message, 'the store did not change as it should have: `localcert trust status` shows what it holds now; run the command again, and report it if it fails the same way')
    this.name = 'VerificationError'
  }
}

/**
 * A StoredCert from DER that parses the certificate only when its subject is asked for: stores list 150 public
 * roots, and parsing each one (~1 ms) costs more than the rest of a presence check.
 * @example storedCert(der, 'debian:foo.pem').fingerprint
 */
export function storedCert(der: Buffer, ref: string, trusted?: boolean): StoredCert {
  let subject: string | undefined
  return {
    fingerprint: sha256Hex(der),
    ref,
    ...(trusted === undefined ? {} : {trusted}),
    get pem() {
      return toPem(der)
    },
    get subject() {
      if (subject === undefined) {
        try {
          subject = new X509Certificate(der).subject
        } catch {
          subject = ''
        }
      }
      return subject
    },
  }
}
