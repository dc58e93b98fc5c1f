import {javaStore} from './java.js'
import {keychainStore} from './keychain.js'
import {nssStore} from './nss.js'
import {runtimesStore} from './runtimes.js'
import {systemStore} from './system.js'
import {windowsStore} from './windows.js'
import type {TrustStore} from '../store.js'

/**
 * Every store, one file each (file name = store id). Order matters: the system store first (Debian's hook feeds
 * Java from it), Java after it, runtimes last.
 */
export const STORES: readonly TrustStore[] = [systemStore, keychainStore, windowsStore, nssStore, javaStore, runtimesStore]
