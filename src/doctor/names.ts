import {parseName, type SubjectName} from '../ca/names.js'
import {myhostnameStatus} from '../lib/myhostname.js'
import {resolutionAdvice, unresolvedNames, type Lookup} from '../lib/resolve.js'
import type {InventoryEntry} from '../state/inventory.js'
import {fail, ok, warn, type Check} from './check.js'

/** Browsers resolve these themselves, so only non-browser clients miss them: a warning, not a failure. */
function browserResolved(name: string): boolean {
  return name === 'localhost' || name.endsWith('.localhost')
}

/**
 * Do the names of the certificates this CA issued (still valid ones) reach this machine? One check per name that
 * does not, with `localcert hosts add NAME` as the fix (wildcards cannot go in a hosts file: the advice says what can).
 * @example const checks = await nameChecks(await readInventory(caPaths(home).inventory))
 */
export async function nameChecks(issued: readonly InventoryEntry[], options: {lookup?: Lookup; platform?: NodeJS.Platform; now?: number} = {}): Promise<Check[]> {
  const now = options.now ?? Date.now()
  const live = issued.filter((entry) => Date.parse(entry.notAfter) > now)
  const names = [...new Set(live.flatMap((entry) => entry.names))]
  if (names.length === 0) return [ok('names', 'no valid certificate issued yet: no name to resolve')]
  // inventory names were parsed when issued; one that no longer parses (written by another version) is not looked up
  const parsed = names.flatMap((name): SubjectName[] => {
    try {
      return [parseName(name)]
    } catch {
      return []
    }
  })
  const unresolved = await unresolvedNames(parsed, options.lookup ? {lookup: options.lookup} : {})
  if (unresolved.length === 0) return [ok('names', `every name of the ${live.length} valid certificate${live.length === 1 ? '' : 's'} resolves to this machine (${names.length} name${names.length === 1 ? '' : 's'})`)]
  const platform = options.platform ?? process.platform
  const advice = resolutionAdvice(unresolved, platform, await myhostnameStatus({platform}))
  return unresolved.map((entry, index) => {
    const id = `names.${entry.name}`
    const line = advice[index]!
    if (entry.reason === 'wildcard') return warn(id, line.replace(/:.*$/, ''), line.slice(line.indexOf(':') + 2))
    const found = line.replace(/\. Fix: .*$/, '')
    const fix = `localcert hosts add ${entry.name}`
    return browserResolved(entry.name) ? warn(id, found, fix) : fail(id, found, fix)
  })
}
