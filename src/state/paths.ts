import {homedir, hostname, userInfo} from 'node:os'
import path from 'node:path'

/** Environment variable that overrides where localcert keeps its state. */
export const HOME_ENV = 'LOCALCERT_HOME'

/**
 * The per-user state directory: LOCALCERT_HOME, else the OS convention
 * (Linux `$XDG_DATA_HOME/localcert`, macOS `~/Library/Application Support/localcert`,
 * Windows `%LOCALAPPDATA%\localcert\Data`), as env-paths computes it.
 */
export async function resolveHome(explicit?: string): Promise<string> {
  const chosen = explicit ?? process.env[HOME_ENV]
  if (chosen) return path.resolve(chosen)
  const {default: envPaths} = await import('env-paths')
  return envPaths('localcert', {suffix: ''}).data
}

/** Where each file of the CA lives inside the home directory. */
export function caPaths(home: string) {
  const ca = path.join(home, 'ca')
  return {
    home,
    ca,
    meta: path.join(ca, 'ca.json'),
    rootCert: path.join(ca, 'root.pem'),
    rootKey: path.join(ca, 'root-key.pem'),
    intermediateCert: (id: string) => path.join(ca, `intermediate-${id}.pem`),
    intermediateKey: (id: string) => path.join(ca, `intermediate-${id}-key.pem`),
    inventory: path.join(home, 'issued.jsonl'),
    /** The hash-chained audit log (its head beside it in `audit.jsonl.head`). */
    audit: path.join(home, 'audit.jsonl'),
    lock: path.join(home, 'state.lock'),
  }
}

export type CaPaths = ReturnType<typeof caPaths>

/** `user@host`, used in CA subjects so people recognise their own root in a keychain. */
export function userAtHost(): string {
  let user = 'user'
  try {
    user = userInfo().username
  } catch {
    user = path.basename(homedir()) || 'user'
  }
  const host = hostname()
  return host ? `${user}@${host}` : user
}
