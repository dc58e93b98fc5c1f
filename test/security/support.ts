import {readdirSync, readFileSync, statSync} from 'node:fs'
import path from 'node:path'

/** Every file under `dir` (recursively), as absolute paths. */
export function filesUnder(dir: string): string[] {
  return readdirSync(dir, {withFileTypes: true}).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(full) : entry.isFile() ? [full] : []
  })
}

/**
 * The files of a localcert home that hold a secret: a private key (PEM, plain or encrypted, in any file: keys, the
 * dev-server cache), the EAB credentials, or the HMAC key itself.
 * @example secretFiles(home, hmacKey) // [.../ca/root-key.pem, .../acme/eab.json, …]
 */
export function secretFiles(home: string, hmacKey?: string): string[] {
  return filesUnder(home).filter((file) => {
    const text = readFileSync(file, 'latin1')
    return /PRIVATE KEY/.test(text) || (hmacKey !== undefined && text.includes(hmacKey)) || /^eab(\.json|-hmac\.key)$/.test(path.basename(file))
  })
}

/** The lines of base64 inside every PEM private key of these files: what a leak of the key would show. */
export function keyMaterial(files: string[]): string[] {
  return files.flatMap((file) => {
    const text = readFileSync(file, 'utf8')
    const blocks = text.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----/g) ?? []
    // JSON caches hold the PEM with \n escaped
    const escaped = text.match(/-----BEGIN [A-Z ]*PRIVATE KEY-----(?:\\n[^"\\]+)+/g) ?? []
    return [...blocks.flatMap((block) => block.split('\n')), ...escaped.flatMap((block) => block.split('\\n'))].filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line))
  })
}

export const modeOf = (file: string) => statSync(file).mode & 0o777
