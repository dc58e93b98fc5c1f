import {readdir, readFile} from 'node:fs/promises'
import path from 'node:path'
import {LocalcertError} from '../errors.js'
import {writeFileSafely} from '../state/files.js'
import {chooseProtection, isSealed, sealKeyPem, type KeyProtection} from '../state/key-protection.js'
import {withLock} from '../state/lock.js'
import {caPaths, type CaPaths} from '../state/paths.js'
import {readMeta, writeMeta} from './authority.js'

/** Test hook: pause this many ms after the first key is sealed (a test kills the process there). */
const PAUSE_ENV = 'LOCALCERT_PROTECT_PAUSE'

export interface KeyFileState {
  file: string
  sealed: boolean
}

/** What `setup` did to the protection of an existing CA. */
export interface ProtectionOutcome {
  protection: KeyProtection
  /** True when plaintext keys were sealed now (a CA from before, a file-mode CA, or an interrupted upgrade). */
  upgraded: boolean
  keys: KeyFileState[]
}

/** Every CA key file of the home: the root's, each intermediate's, and a staged root's (`rotate --root`). */
export async function keyFiles(paths: CaPaths): Promise<KeyFileState[]> {
  const found: KeyFileState[] = []
  for (const dir of [paths.ca, path.join(paths.ca, 'staged-root')]) {
    for (const name of (await readdir(dir).catch(() => [] as string[])).sort()) {
      if (!name.endsWith('-key.pem')) continue
      const file = path.join(dir, name)
      const text = await readFile(file, 'utf8').catch(() => undefined)
      if (text !== undefined) found.push({file, sealed: isSealed(text)})
    }
  }
  return found
}

/**
 * Brings the CA's key protection up to date, under the CA lock: a CA whose keys are plaintext (made before key
 * protection, or in file mode where a credential store now answers) gets a secret in the store, then ca.json names
 * it (the switch), then each key file is sealed in place (atomic writes). A process killed at any point leaves a CA
 * that opens: each key file is read by its content (sealed or plaintext), and the next run seals what is left.
 * @example const {protection, upgraded} = await upgradeKeyProtection(home)
 */
export async function upgradeKeyProtection(home: string): Promise<ProtectionOutcome> {
  const paths = caPaths(home)
  return withLock(paths.lock, async () => {
    let meta = await readMeta(paths)
    if (!meta) throw new LocalcertError('CA_NOT_FOUND', `there is no CA in ${home}`, 'run `localcert setup` first')
    let keys = await keyFiles(paths)
    if (meta.protection?.mode !== 'keyring') {
      const chosen = await chooseProtection()
      // file mode again: ca.json records why (once), the keys stay as they are
      if (chosen.mode === 'file') {
        if (meta.protection?.reason !== chosen.reason) await writeMeta(paths, {...meta, protection: chosen})
        return {protection: chosen, upgraded: false, keys}
      }
      meta = {...meta, protection: chosen}
      await writeMeta(paths, meta)
    }
    const plain = keys.filter((key) => !key.sealed)
    for (const [index, key] of plain.entries()) {
      await writeFileSafely(key.file, await sealKeyPem(meta.protection, await readFile(key.file, 'utf8')))
      if (index === 0 && process.env[PAUSE_ENV]) await new Promise((resolve) => setTimeout(resolve, Number(process.env[PAUSE_ENV])))
    }
    if (plain.length) keys = await keyFiles(paths)
    return {protection: meta.protection!, upgraded: plain.length > 0, keys}
  })
}
