import {Journal, type Snapshot} from './journal.js'
import type {Account, CertificateRecord, Order} from './model.js'

export interface StoreLimits {
  /** Orders kept in memory; beyond it the oldest finished (then oldest) orders are forgotten. */
  maxOrders?: number
  /** Certificate records kept; expired ones go first, then the oldest. */
  maxCertificates?: number
  /** Journal records before the snapshot is rewritten. */
  compactAfter?: number
}

const DEFAULTS: Required<StoreLimits> = {maxOrders: 20_000, maxCertificates: 100_000, compactAfter: 20_000}
const PEM_CACHE = 256

/** Serials compare as numbers: tools disagree on case and on a leading zero byte. */
const serialKey = (hex: string) => hex.toLowerCase().replace(/^0+/, '')

/**
 * The ACME server's memory: accounts, orders (with their authorizations and challenges) and issued certificates,
 * indexed for the lookups the protocol needs, bounded in size, and persisted through a `Journal`.
 * @example const store = await AcmeStore.open(path.join(home, 'acme')); store.saveOrder(order)
 */
export class AcmeStore {
  private readonly accounts = new Map<string, Account>()
  private readonly orders = new Map<string, Order>()
  private readonly certificates = new Map<string, CertificateRecord>()
  private readonly byThumbprint = new Map<string, string>()
  private readonly ordersByAccount = new Map<string, Set<string>>()
  private readonly bySerial = new Map<string, string>()
  private readonly byAriId = new Map<string, string>()
  private readonly pemCache = new Map<string, string>()
  private readonly limits: Required<StoreLimits>

  private constructor(readonly journal: Journal, limits: StoreLimits) {
    this.limits = {...DEFAULTS, ...limits}
  }

  /** Loads the state under `dir`, drops what expired while the server was down, and rewrites a compact snapshot. */
  static async open(dir: string, limits: StoreLimits = {}, now = Date.now()): Promise<AcmeStore> {
    const journal = new Journal(dir)
    const store = new AcmeStore(journal, limits)
    const loaded = await journal.load()
    for (const account of loaded.accounts) store.indexAccount(account)
    for (const order of loaded.orders) if (Date.parse(order.expires) > now) store.indexOrder(order)
    for (const cert of loaded.certificates) if (Date.parse(cert.notAfter) > now) store.indexCertificate(cert)
    store.enforceCaps(now)
    await journal.compact(() => store.snapshot())
    return store
  }

  snapshot(): Snapshot {
    return {version: 1, accounts: [...this.accounts.values()], orders: [...this.orders.values()], certificates: [...this.certificates.values()]}
  }

  account(id: string): Account | undefined {
    return this.accounts.get(id)
  }

  order(id: string): Order | undefined {
    return this.orders.get(id)
  }

  certificate(id: string): CertificateRecord | undefined {
    return this.certificates.get(id)
  }

  accountByThumbprint(thumbprint: string): Account | undefined {
    const id = this.byThumbprint.get(thumbprint)
    return id === undefined ? undefined : this.accounts.get(id)
  }

  saveAccount(account: Account, previousThumbprint?: string): void {
    if (previousThumbprint && previousThumbprint !== account.thumbprint) this.byThumbprint.delete(previousThumbprint)
    this.indexAccount(account)
    this.record({k: 'account', v: account})
  }

  saveOrder(order: Order, now = Date.now()): void {
    const fresh = !this.orders.has(order.id)
    this.indexOrder(order)
    this.record({k: 'order', v: order})
    if (fresh && this.orders.size > this.limits.maxOrders) this.enforceCaps(now)
  }

  /** Order ids of an account, oldest first (only those still in memory). */
  ordersOf(accountId: string): string[] {
    return [...(this.ordersByAccount.get(accountId) ?? [])]
  }

  saveCertificate(record: CertificateRecord, chainPem?: string, now = Date.now()): void {
    const fresh = !this.certificates.has(record.id)
    if (chainPem !== undefined) {
      this.journal.putPem(record.id, chainPem)
      this.cachePem(record.id, chainPem)
    }
    this.indexCertificate(record)
    this.record({k: 'cert', v: record})
    if (fresh && this.certificates.size > this.limits.maxCertificates) this.enforceCaps(now)
  }

  /** Records that `orderId` replaces the certificate `certificateId` (RFC 9773 §5). */
  markReplaced(certificateId: string, orderId: string): void {
    const cert = this.certificates.get(certificateId)
    if (!cert) return
    cert.replacedBy = orderId
    this.saveCertificate(cert)
  }

  certificateBySerial(serialHex: string): CertificateRecord | undefined {
    const id = this.bySerial.get(serialKey(serialHex))
    return id === undefined ? undefined : this.certificates.get(id)
  }

  certificateByAriId(ariId: string): CertificateRecord | undefined {
    const id = this.byAriId.get(ariId)
    return id === undefined ? undefined : this.certificates.get(id)
  }

  async chainPem(id: string): Promise<string | undefined> {
    const cached = this.pemCache.get(id)
    if (cached) return cached
    const pem = await this.journal.readPem(id)
    if (pem) this.cachePem(id, pem)
    return pem
  }

  /** Forgets expired orders and certificates; called on a timer so memory stays bounded when idle too. */
  sweep(now = Date.now()): void {
    for (const order of this.orders.values()) if (Date.parse(order.expires) <= now) this.dropOrder(order)
    for (const cert of this.certificates.values()) if (Date.parse(cert.notAfter) <= now) this.dropCertificate(cert)
  }

  async close(): Promise<void> {
    await this.journal.close()
  }

  private record(record: Parameters<Journal['append']>[0]): void {
    this.journal.append(record)
    if (this.journal.recordsSinceSnapshot > this.limits.compactAfter) void this.journal.compact(() => this.snapshot())
  }

  private indexAccount(account: Account): void {
    this.accounts.set(account.id, account)
    this.byThumbprint.set(account.thumbprint, account.id)
  }

  private indexOrder(order: Order): void {
    this.orders.set(order.id, order)
    let ids = this.ordersByAccount.get(order.accountId)
    if (!ids) this.ordersByAccount.set(order.accountId, (ids = new Set()))
    ids.add(order.id)
  }

  private indexCertificate(cert: CertificateRecord): void {
    this.certificates.set(cert.id, cert)
    this.bySerial.set(serialKey(cert.serial), cert.id)
    this.byAriId.set(cert.ariId, cert.id)
  }

  private dropOrder(order: Order): void {
    this.orders.delete(order.id)
    this.ordersByAccount.get(order.accountId)?.delete(order.id)
  }

  private dropCertificate(cert: CertificateRecord): void {
    this.certificates.delete(cert.id)
    this.bySerial.delete(serialKey(cert.serial))
    this.byAriId.delete(cert.ariId)
    this.pemCache.delete(cert.id)
  }

  private cachePem(id: string, pem: string): void {
    this.pemCache.delete(id)
    this.pemCache.set(id, pem)
    if (this.pemCache.size > PEM_CACHE) this.pemCache.delete(this.pemCache.keys().next().value!)
  }

  private enforceCaps(now: number): void {
    if (this.orders.size > this.limits.maxOrders || this.certificates.size > this.limits.maxCertificates) this.sweep(now)
    // Maps iterate in insertion order, so the first entries are the oldest: finished orders go before live ones.
    for (const order of this.orders.values()) {
      if (this.orders.size <= this.limits.maxOrders) break
      if (order.status === 'valid' || order.status === 'invalid') this.dropOrder(order)
    }
    for (const order of this.orders.values()) {
      if (this.orders.size <= this.limits.maxOrders) break
      this.dropOrder(order)
    }
    for (const cert of this.certificates.values()) {
      if (this.certificates.size <= this.limits.maxCertificates) break
      this.dropCertificate(cert)
    }
  }
}
