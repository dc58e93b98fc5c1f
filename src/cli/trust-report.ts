import {Flags} from '@oclif/core'
import {createInterface} from 'node:readline/promises'
import {LocalcertError} from '../errors.js'
import type {ReportStatus, StoreId, StoreReport, TrustRunOptions} from '../trust/everywhere.js'
import {STORE_IDS} from '../trust/store.js'
import {table} from './format.js'

/** Which root and which stores: the flags every trust command (and `uninstall`, in part) takes. */
export const selectionFlags = {
  root: Flags.string({description: 'distribute this CA root (PEM) instead of the localcert CA: a team CA, a step-ca root…'}),
  stores: Flags.string({description: 'only these stores, comma-separated: system,nss,java,keychain,windows,runtimes'}),
  system: Flags.boolean({description: 'include the OS store (--no-system: leave the Linux system store, Keychain and Windows store alone)', default: true, allowNo: true}),
  'java-home': Flags.string({description: 'only this JDK (repeatable; default: every JDK found)', multiple: true}),
  'nss-db': Flags.string({description: 'also this NSS database directory (repeatable)', multiple: true}),
}

/** Flags of `trust install` (terminal concerns; the core takes TrustRunOptions): the selection plus where to install. */
export const trustFlags = {
  ...selectionFlags,
  'system-keychain': Flags.boolean({description: 'macOS: the System keychain (every user; needs an administrator) instead of the login keychain', default: false}),
  machine: Flags.boolean({description: 'Windows: LocalMachine\\Root (elevated terminal; seen by services) instead of CurrentUser\\Root', default: false}),
}

const LABELS: Record<ReportStatus, string> = {
  present: 'trusted',
  absent: 'absent',
  'not-found': 'not found',
  installed: 'installed',
  'already-present': 'already there',
  removed: 'removed',
  'already-absent': 'already gone',
  skipped: 'skipped',
  failed: 'FAILED',
  planned: 'would change',
}

function parseStores(value: string | undefined): StoreId[] | undefined {
  if (!value) return undefined
  const stores = value.split(',').map((store) => store.trim()).filter(Boolean)
  const unknown = stores.filter((store) => !(STORE_IDS as readonly string[]).includes(store))
  if (unknown.length > 0) throw new LocalcertError('INVALID_ARGUMENT', `unknown store ${unknown.join(', ')}`, `use any of ${STORE_IDS.join(', ')}`)
  return stores as StoreId[]
}

/** The core options from the shared flags. */
export function trustOptions(flags: {stores?: string; system: boolean; 'system-keychain'?: boolean; machine?: boolean; 'java-home'?: string[]; 'nss-db'?: string[]}, localcertHome: string, log: (line: string) => void): TrustRunOptions {
  return {
    localcertHome,
    log,
    stores: parseStores(flags.stores),
    system: flags.system,
    systemKeychain: flags['system-keychain'] ?? false,
    machine: flags.machine ?? false,
    javaHomes: flags['java-home'],
    nssDbs: flags['nss-db'],
  }
}

/** The per-store table every trust command prints, with the planned commands under --dry-run. */
export function formatReports(rows: StoreReport[]): string {
  if (rows.length === 0) return 'No store selected.'
  const lines = [['STORE', 'WHERE', 'STATUS', 'DETAILS / NEXT STEP']]
  for (const row of rows) {
    const details = [row.message, row.hint, row.otherLocalcertRoots?.length ? `also trusts other localcert roots: ${row.otherLocalcertRoots.join(', ')}` : undefined].filter(Boolean).join(' — ')
    lines.push([row.store, row.location, LABELS[row.status], details])
  }
  const planned = rows.filter((row) => row.commands?.length).map((row) => `${row.location}:\n${row.commands!.map((command) => `  ${command}`).join('\n')}`)
  return table(lines) + (planned.length ? `\n\nCommands and changes${rows.some((row) => row.status === 'planned') ? ' that would run' : ' run before the failure'}:\n${planned.join('\n')}` : '')
}

/** Asks a yes/no question on the terminal; false without one (never hangs a script). */
export async function askYesNo(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false
  const readline = createInterface({input: process.stdin, output: process.stderr})
  try {
    return /^y(es)?$/i.test((await readline.question(`${question} [y/N] `)).trim())
  } finally {
    readline.close()
  }
}
