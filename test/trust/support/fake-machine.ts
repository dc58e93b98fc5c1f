import path from 'node:path'
import {recordCommands, replaceRunner, type ExecOptions, type ExecResult, type RecordedCommand} from '../../../src/lib/exec.js'
import {createContext, type ContextInit} from '../../../src/trust/context.js'
import type {MachineFs, TrustContext} from '../../../src/trust/store.js'

/**
 * Another machine, in memory: files, symlinks and the commands on PATH. Boundary tests use it with a fake
 * runner to assert the exact commands localcert would run on macOS, Windows, WSL and other Linux families.
 */
export class FakeMachine implements MachineFs {
  readonly files = new Map<string, string>()
  readonly links = new Map<string, string>()
  readonly dirs = new Set<string>()

  constructor(readonly commands: string[] = []) {}

  file(file: string, text: string): this {
    this.files.set(file, text)
    this.dir(path.posix.dirname(file))
    return this
  }

  dir(dir: string): this {
    for (let at = dir; at !== '/' && at !== '.'; at = path.posix.dirname(at)) this.dirs.add(at)
    return this
  }

  link(file: string, target: string): this {
    this.links.set(file, target)
    this.dir(path.posix.dirname(file))
    return this
  }

  async exists(file: string) {
    return this.files.has(file) || this.dirs.has(file) || this.links.has(file)
  }

  async readText(file: string) {
    return this.files.get(file)
  }

  async list(dir: string) {
    const names = new Set<string>()
    for (const key of [...this.files.keys(), ...this.links.keys(), ...this.dirs]) {
      if (path.posix.dirname(key) === dir) names.add(path.posix.basename(key))
    }
    return [...names].sort()
  }

  async owner() {
    return {uid: 1000, gid: 1000}
  }

  async writable(file: string) {
    return !/^\/(etc|usr|Library|opt)\//.test(file)
  }

  async realpath(file: string) {
    return file
  }

  async readlink(file: string) {
    return this.links.get(file)
  }

  async which(command: string) {
    return this.commands.includes(command)
  }
}

export type Script = (command: string, args: string[], options: ExecOptions) => Partial<ExecResult> | undefined

/**
 * Runs `work` with every subprocess answered by `script` (exit 0 and no output when it returns undefined) and
 * returns the commands that were run, with temporary root files shown as `<root.pem>`.
 */
export async function withFakeRunner(script: Script, work: () => Promise<unknown>): Promise<string[]> {
  const recording = recordCommands()
  const restore = replaceRunner(async (command, args, options) => ({command, args, exitCode: 0, stdout: '', stderr: '', ...script(command, args, options)}))
  try {
    await work()
  } finally {
    restore()
    recording.stop()
  }
  return recording.commands.map(show)
}

function show(entry: RecordedCommand): string {
  return [entry.command, ...entry.args].map((word) => word.replace(/\/[^ ]*localcert-root-[^/ ]+\/localcert-[0-9a-f]{16}\.pem/, '<root.pem>')).join(' ')
}

/** A context for another machine: not root, no terminal, unless the test says otherwise. */
export function fakeContext(machine: FakeMachine, init: Partial<ContextInit> & {localcertHome: string}): TrustContext {
  return createContext({platform: 'linux', uid: 1000, interactive: false, env: {}, homeDir: '/home/dev', fs: machine, which: (command) => machine.which(command), ...init})
}
