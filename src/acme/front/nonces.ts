import {randomBytes} from 'node:crypto'

export interface NonceOptions {
  /** Most nonces kept; the oldest is forgotten first (a client holding it gets badNonce and retries). */
  capacity?: number
  ttlMs?: number
  /** Chaos knob like pebble's PEBBLE_WFE_NONCEREJECT: the share (0–1) of valid nonces refused anyway. */
  rejectRate?: number
}

const NONCE_SHAPE = /^[A-Za-z0-9_-]{22}$/

/**
 * Single-use anti-replay nonces (RFC 8555 §6.5): 128 random bits, base64url, kept in an insertion-ordered map
 * with a TTL and a hard cap, so memory stays bounded whatever the load.
 * @example const nonces = new NonceStore(); const n = nonces.issue(); nonces.consume(n) // true, then false
 */
export class NonceStore {
  private readonly live = new Map<string, number>()
  private readonly capacity: number
  private readonly ttlMs: number
  private readonly rejectRate: number

  constructor(options: NonceOptions = {}) {
    this.capacity = options.capacity ?? 50_000
    this.ttlMs = options.ttlMs ?? 3_600_000
    this.rejectRate = options.rejectRate ?? 0
  }

  issue(now = Date.now()): string {
    const nonce = randomBytes(16).toString('base64url')
    this.live.set(nonce, now + this.ttlMs)
    this.evict(now)
    return nonce
  }

  /** True once for a nonce we issued that has not expired; false for unknown, reused or expired ones. */
  consume(nonce: string, now = Date.now()): boolean {
    const expires = this.live.get(nonce)
    if (expires === undefined) return false
    this.live.delete(nonce)
    if (expires < now) return false
    return !(this.rejectRate > 0 && Math.random() < this.rejectRate)
  }

  /** A nonce that could never have come from us (wrong length or alphabet) is malformed, not merely stale. */
  static wellFormed(nonce: unknown): nonce is string {
    return typeof nonce === 'string' && NONCE_SHAPE.test(nonce)
  }

  get size(): number {
    return this.live.size
  }

  private evict(now: number): void {
    while (this.live.size > this.capacity) this.live.delete(this.live.keys().next().value!)
    // Entries are in issue order, so expired ones sit at the front; drop a few per call to keep it cheap.
    for (let i = 0; i < 4; i++) {
      const first = this.live.entries().next().value
      if (!first || first[1] >= now) break
      this.live.delete(first[0])
    }
  }
}
