import {readFile} from 'node:fs/promises'
import path from 'node:path'
import {writeFileSafely} from '../state/files.js'
import {rootCertificates} from 'node:tls'
import {sha256Hex} from '../lib/hash.js'
import {pemBlocks, pemToDer} from '../lib/pem.js'
import {describeCert} from './root.js'
import {runtimePaths} from './shell-env.js'
import type {TrustContext} from './store.js'

/** Variables that ADD to a runtime's own list (Node's, Deno's: Mozilla's roots): what the file adds to that list is the user's. */
const ADDING = ['NODE_EXTRA_CA_CERTS', 'DENO_CERT'] as const
/** Variables that REPLACE the list: their file is often the system bundle plus a corporate CA; the public part is in our bundle already. */
const REPLACING = ['SSL_CERT_FILE', 'REQUESTS_CA_BUNDLE', 'CURL_CA_BUNDLE', 'GIT_SSL_CAINFO'] as const

/** Where a kept certificate came from, as `localcert env --json` and the env comments show it. */
export interface UserCaSource {
  variable: string
  file: string
  /** Certificates kept from it: not ours, and not already trusted without it (Mozilla's list for an adding variable, the system bundle for a replacing one). */
  certificates: number
}

export interface UserCas {
  /** PEM blocks to add to roots.pem and bundle.pem, each once. */
  pems: string[]
  /** The variables of this run that named a file of the user's (empty when they name ours, or nothing). */
  sources: UserCaSource[]
}

/**
 * The CAs the user already trusts through the current environment (a TLS-inspecting proxy's root, typically), merged
 * with those kept by earlier runs in `<home>/trust/user-cas.pem`, so that pointing the variables at our files never
 * drops them (npm, git and pip through the proxy keep working). Writes user-cas.pem when the set grew.
 * @example const {pems} = await keepUserCas(ctx, new Set(systemFingerprints), ourFingerprints)
 */
export async function keepUserCas(ctx: TrustContext, systemFingerprints: ReadonlySet<string>, ours: ReadonlySet<string>): Promise<UserCas> {
  const files = runtimePaths(ctx.localcertHome)
  const keptFile = path.join(files.dir, 'user-cas.pem')
  const kept = new Map<string, string>()
  const add = (pem: string, fingerprint: string, skip: ReadonlySet<string>): void => {
    if (ours.has(fingerprint) || skip.has(fingerprint) || kept.has(fingerprint)) return
    // parsed only when kept (a bundle of ~150 roots is hashed, not parsed): a block that is no certificate never reaches roots.pem
    const cert = describeCert(pem)
    if (cert) kept.set(fingerprint, cert.pem)
  }
  const before = await readFile(keptFile, 'utf8').catch(() => '')
  for (const pem of pemBlocks(before)) add(pem, fingerprintOf(pem), new Set())
  const known = kept.size
  const sources: UserCaSource[] = []
  for (const variable of [...ADDING, ...REPLACING]) {
    const value = ctx.env[variable]
    if (!value || isOurs(value, files.dir)) continue
    const text = await readFile(value, 'utf8').catch(() => undefined)
    if (text === undefined) continue
    const skip = (REPLACING as readonly string[]).includes(variable) ? systemFingerprints : mozillaFingerprints()
    const blocks = pemBlocks(text).map((pem) => ({pem, fingerprint: fingerprintOf(pem)}))
    for (const {pem, fingerprint} of blocks) add(pem, fingerprint, skip)
    const certificates = blocks.filter(({fingerprint}) => kept.has(fingerprint)).length
    sources.push({variable, file: path.resolve(value), certificates})
  }
  const pems = [...kept.values()]
  if (kept.size > known) {
    const header = `# CAs you trusted through ${sources.map((source) => `${source.variable}=${source.file}`).join(', ')} when localcert rebuilt its bundles; kept in roots.pem and bundle.pem\n`
    await writeFileSafely(keptFile, header + pems.join(''), 0o644)
  }
  return {pems, sources}
}

const fingerprintOf = (pem: string): string => sha256Hex(pemToDer(pem))

let mozilla: Set<string> | undefined
/**
 * The roots Node (and Deno) trust with no variable at all: Mozilla's list, which Node carries (hashed once).
 * @example mozillaFingerprints().has(fingerprint) // already trusted without NODE_EXTRA_CA_CERTS
 */
export function mozillaFingerprints(): ReadonlySet<string> {
  mozilla ??= new Set(rootCertificates.map(fingerprintOf))
  return mozilla
}

/** A variable naming one of our own files (a shell that already ran `localcert env`): nothing of the user's there. */
function isOurs(file: string, trustDir: string): boolean {
  const relative = path.relative(trustDir, path.resolve(file))
  return !relative.startsWith('..') && !path.isAbsolute(relative)
}
