import path from 'node:path'
import {createContext, type ContextInit} from '../../../src/trust/context.js'
import type {MachineFs, TrustContext} from '../../../src/trust/store.js'

/**
 * Another machine, in memory: files, symlinks and the commands on PATH. Boundary tests use it with withFakeRunner
 * (test/support/fake-runner.ts) to assert the exact commands localcert would run on macOS, Windows, WSL and other Linux families.
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

/** A context for another machine: not root, no terminal, unless the test says otherwise. */
export function fakeContext(machine: FakeMachine, init: Partial<ContextInit> & {localcertHome: string}): TrustContext {
  return createContext({platform: 'linux', uid: 1000, interactive: false, env: {}, homeDir: '/home/dev', fs: machine, which: (command) => machine.which(command), ...init})
}
