import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {pemBlocks} from '../lib/pem.js'
import {describeCert, fingerprintsIn, isLocalcertSubject, type TrustRoot} from '../trust/root.js'
import {detectShell, runtimePaths, runtimeVariables} from '../trust/shell-env.js'
import {mozillaFingerprints} from '../trust/user-cas.js'
import {fail, ok, warn, type Check} from './check.js'

export interface RuntimeEnvOptions {
  localcertHome: string
  /** The shell's environment (doctor's own, inherited from the shell that ran it). */
  env?: NodeJS.ProcessEnv
  platform?: NodeJS.Platform
}

/** A CA a variable of the user's names (a corporate proxy's root), which the files `localcert env` writes must keep. */
interface NamedCa {
  fingerprint: string
  name: string
  /** The variable that names it. */
  source: string
}

interface VariableFile {
  name: string
  file: string
  /** Fingerprints in the file; undefined when it cannot be read. */
  fingerprints?: Set<string>
  cas: NamedCa[]
}

/** The command that loads `localcert env` in the user's shell. */
export function envCommand(env: NodeJS.ProcessEnv, platform: NodeJS.Platform): string {
  const shell = detectShell(env, platform)
  if (shell === 'fish') return 'localcert env | source'
  if (shell === 'powershell') return 'localcert env --shell powershell | Invoke-Expression'
  return 'eval "$(localcert env)"'
}

function commonName(subject: string): string {
  const parts = subject.split('\n')
  return (parts.find((part) => part.startsWith('CN=')) ?? parts.at(-1) ?? subject).replace(/^\w+=/, '')
}

async function readVariable(name: string, file: string): Promise<VariableFile> {
  const text = await readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return {name, file, cas: []}
  const cas: NamedCa[] = []
  for (const block of pemBlocks(text)) {
    const cert = describeCert(block)
    if (cert && cert.cert.ca && !isLocalcertSubject(cert.subject)) cas.push({fingerprint: cert.fingerprint, name: commonName(cert.subject), source: name})
  }
  return {name, file, fingerprints: fingerprintsIn(text), cas}
}

/** `A, B, C and 4 more`. */
function listed(cas: NamedCa[]): string {
  const names = cas.slice(0, 3).map((ca) => ca.name)
  return cas.length > 3 ? `${names.join(', ')} and ${cas.length - 3} more` : names.join(', ')
}

function collect(into: Map<string, NamedCa>, cas: NamedCa[], skip: ReadonlySet<string>): void {
  for (const ca of cas) if (!skip.has(ca.fingerprint) && !into.has(ca.fingerprint)) into.set(ca.fingerprint, ca)
}

/**
 * The runtime trust variables `localcert env` sets, as the current shell has them: set? naming a file that holds our
 * root? still holding the CAs the user trusts on purpose (a corporate CA in NODE_EXTRA_CA_CERTS)?
 * @example const checks = await runtimeEnvChecks(root, {localcertHome: home})
 */
export async function runtimeEnvChecks(root: TrustRoot, options: RuntimeEnvOptions): Promise<Check[]> {
  const env = options.env ?? process.env
  const platform = options.platform ?? process.platform
  const fix = envCommand(env, platform)
  const variables = runtimeVariables(options.localcertHome, platform)
  const names = Object.keys(variables)
  const files = runtimePaths(options.localcertHome)
  const ours = new Set([files.rootsPem, files.bundle].map((file) => path.resolve(file)))
  // what `localcert env` points at roots.pem adds to a runtime's own public roots (NODE_EXTRA_CA_CERTS); the rest replace them
  const adding = new Set(names.filter((name) => variables[name] === files.rootsPem))
  const unset = names.filter((name) => !env[name])
  const read = await Promise.all(names.filter((name) => env[name]).map((name) => readVariable(name, path.resolve(env[name]!))))
  // What the user's own files name (ours hold the public roots of the day and our roots): the extra CAs of an adding
  // variable (beyond Node's own list) must be in every file; the CAs of a replacing file in every replacing one.
  const extras = new Map<string, NamedCa>()
  const replaced = new Map<string, NamedCa>()
  for (const variable of read) {
    if (ours.has(variable.file)) continue
    if (adding.has(variable.name)) collect(extras, variable.cas, mozillaFingerprints())
    else collect(replaced, variable.cas, new Set())
  }
  const checks: Check[] = []
  for (const variable of read) {
    const id = `env.${variable.name}`
    const held = variable.fingerprints
    if (!held) {
      checks.push(fail(id, `points at ${variable.file}, which cannot be read`, fix, variable.file))
      continue
    }
    const wanted = [...extras.values(), ...(adding.has(variable.name) ? [] : [...replaced.values()].filter((ca) => !extras.has(ca.fingerprint)))]
    const dropped = wanted.filter((ca) => !held.has(ca.fingerprint))
    const kept = [...extras.values()].filter((ca) => held.has(ca.fingerprint))
    const keeps = kept.length ? `; keeps your CA${kept.length > 1 ? 's' : ''} ${listed(kept)}` : ''
    if (!held.has(root.fingerprint)) {
      checks.push(fail(id, `points at a file without localcert's root (${held.size} certificate${held.size === 1 ? '' : 's'}${keeps}): what reads it does not trust localcert certificates`, fix, variable.file))
    } else if (dropped.length) {
      const sources = [...new Set(dropped.map((ca) => ca.source))].join(', ')
      checks.push(warn(id, `holds localcert's root, but not ${dropped.length} CA${dropped.length === 1 ? '' : 's'} that ${sources} name${sources.includes(',') ? '' : 's'} (${listed(dropped)}): through a TLS-inspecting proxy, what reads it fails`, fix, variable.file))
    } else {
      checks.push(ok(id, `holds localcert's root${keeps}`, variable.file))
    }
  }
  if (unset.length) checks.push(warn('env.unset', `not set in this shell: ${unset.join(', ')} (Node, Python, curl, git and Deno ignore the OS store)`, fix))
  return checks
}
