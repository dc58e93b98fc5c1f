import {AcmeProblem} from './problems.js'

/** Limits a developer never meets in normal use, but that stop a crash-looping app or a runaway script. */
export interface RateLimitOptions {
  /** New orders per account per hour (a token bucket: this many at once, refilled evenly over the hour). */
  ordersPerAccountPerHour?: number
  /** New accounts per hour, for the whole server. */
  accountsPerHour?: number
}

const DEFAULT_RATE_LIMITS: Required<RateLimitOptions> = {ordersPerAccountPerHour: 3000, accountsPerHour: 300}

const HOUR = 3_600_000

class TokenBucket {
  private tokens: number
  private updated: number

  constructor(private readonly capacity: number, now: number) {
    this.tokens = capacity
    this.updated = now
  }

  /** Takes one token, or returns the seconds until one is available. */
  take(now: number): number {
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.updated) * this.capacity) / HOUR)
    this.updated = now
    if (this.tokens >= 1) {
      this.tokens -= 1
      return 0
    }
    return Math.ceil(((1 - this.tokens) * HOUR) / this.capacity / 1000)
  }
}

/**
 * Per-account and global token buckets, in memory only (a restart forgives everything).
 * @example limits.takeOrder(account.id, names) // throws rateLimited (429 + Retry-After) when exhausted
 */
export class RateLimiter {
  private readonly orders = new Map<string, TokenBucket>()
  private readonly accounts: TokenBucket
  private readonly limits: Required<RateLimitOptions>

  constructor(options: RateLimitOptions | false = {}, now = Date.now()) {
    this.limits = options === false ? {ordersPerAccountPerHour: Infinity, accountsPerHour: Infinity} : {...DEFAULT_RATE_LIMITS, ...options}
    this.accounts = new TokenBucket(this.limits.accountsPerHour, now)
  }

  takeOrder(accountId: string, names: readonly string[], now = Date.now()): void {
    if (this.limits.ordersPerAccountPerHour === Infinity) return
    let bucket = this.orders.get(accountId)
    if (!bucket) this.orders.set(accountId, (bucket = new TokenBucket(this.limits.ordersPerAccountPerHour, now)))
    const wait = bucket.take(now)
    if (wait > 0) {
      throw new AcmeProblem('rateLimited', `this account placed more than ${this.limits.ordersPerAccountPerHour} orders in an hour (latest for ${names.join(', ')}); is an app requesting a certificate in a loop? Retry after ${wait} s`, {headers: {'Retry-After': String(wait)}})
    }
  }

  takeAccount(now = Date.now()): void {
    if (this.limits.accountsPerHour === Infinity) return
    const wait = this.accounts.take(now)
    if (wait > 0) {
      throw new AcmeProblem('rateLimited', `more than ${this.limits.accountsPerHour} accounts were created in an hour; reuse an account key instead of creating one per run. Retry after ${wait} s`, {headers: {'Retry-After': String(wait)}})
    }
  }

  forget(accountId: string): void {
    this.orders.delete(accountId)
  }
}
