import path from 'node:path'
import {readJson} from '../state/files.js'

/**
 * How other commands find the ACME endpoint: `localcert serve` writes `<home>/acme/endpoint.json` while it runs
 * (removed when it stops) and keeps the EAB credentials in `<home>/acme/eab.json` (0600).
 */
export function acmePaths(home: string) {
  const dir = path.join(home, 'acme')
  return {dir, endpoint: path.join(dir, 'endpoint.json'), eab: path.join(dir, 'eab.json')}
}

export interface EndpointInfo {
  directoryUrl: string
  port: number
  pid: number
  startedAt: string
}

export interface EabCredentials {
  kid: string
  /** base64url of 48 random bytes */
  hmacKey: string
}

/** The variables Anchor's lcl.host uses, so its client packages work unchanged. */
export interface AcmeEnv {
  ACME_DIRECTORY_URL?: string
  ACME_KID?: string
  ACME_HMAC_KEY?: string
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** The running endpoint, or undefined when none runs (a stale file from a killed server is ignored). */
export async function readEndpoint(home: string): Promise<EndpointInfo | undefined> {
  const info = await readJson<EndpointInfo>(acmePaths(home).endpoint).catch(() => undefined)
  return info && alive(info.pid) ? info : undefined
}

export async function readEab(home: string): Promise<EabCredentials | undefined> {
  return readJson<EabCredentials>(acmePaths(home).eab).catch(() => undefined)
}

export async function readAcmeEnv(home: string): Promise<AcmeEnv> {
  const [endpoint, eab] = await Promise.all([readEndpoint(home), readEab(home)])
  return {
    ...(endpoint ? {ACME_DIRECTORY_URL: endpoint.directoryUrl} : {}),
    ...(eab ? {ACME_KID: eab.kid, ACME_HMAC_KEY: eab.hmacKey} : {}),
  }
}
