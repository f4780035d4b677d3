/**
 * Login throttling (ASVS V2.2, NIST SP 800-63B §5.2.2): failures are counted per account and
 * per source address. `max_failures` failures of one account within the window lock it for
 * the lock duration, doubling with each further lockout within a day (exponential backoff);
 * 100 consecutive failures lock it for a day, the most NIST allows before a success resets
 * the count. Unknown emails are counted exactly like real ones, so a lockout reveals nothing.
 *
 * Counters live in Redis when one is configured (every replica shares them), else in the
 * database (shared by replicas on PostgreSQL, and surviving restarts). While Redis cannot be
 * reached, the database counts instead, so throttling never stops.
 */
import { createHash } from 'node:crypto'

import type { Redis } from 'ioredis'
import type { RateLimiterRes, RateLimiterStoreAbstract } from 'rate-limiter-flexible'
import { RateLimiterRedis } from 'rate-limiter-flexible'

import type { Clock } from '../../platform/clock.js'
import type { IdentityConfig } from '../config.js'
import type { IdentityDb } from '../store/tables.js'
import { emailKey } from './accounts.js'
import { StoreRateLimiter } from './store-rate-limiter.js'

const day = 86_400
const consecutiveLimit = 100

export interface LoginBlock {
  readonly reason: 'locked' | 'throttled'
  readonly retryAfterMs: number
}

export interface LockInfo {
  readonly failures: number
  readonly lockedForMs: number
}

function accountKey(email: string): string {
  return createHash('sha256').update(emailKey(email)).digest('base64url').slice(0, 32)
}

function isRes(value: unknown): value is RateLimiterRes {
  return typeof value === 'object' && value !== null && 'consumedPoints' in value
}

/** `consume` rejects with the counter when over the limit; both outcomes carry the count. */
async function consume(limiter: RateLimiterStoreAbstract, key: string): Promise<RateLimiterRes> {
  try {
    return await limiter.consume(key)
  } catch (error) {
    if (isRes(error)) return error
    throw error
  }
}

export class LoginThrottle {
  readonly #lockSeconds: number
  readonly #maxFailures: number
  readonly #account: RateLimiterStoreAbstract
  readonly #consecutive: RateLimiterStoreAbstract
  readonly #lockouts: RateLimiterStoreAbstract
  readonly #address: RateLimiterStoreAbstract

  constructor(
    db: IdentityDb,
    clock: Clock,
    config: IdentityConfig['lockout'],
    redis?: { readonly client: Redis; readonly keyPrefix: string },
  ) {
    const window = Math.ceil(config.window / 1000)
    this.#lockSeconds = Math.ceil(config.duration / 1000)
    this.#maxFailures = config.max_failures
    const limiter = (keyPrefix: string, points: number, duration: number) => {
      const inDatabase = new StoreRateLimiter({ db, clock, keyPrefix, points, duration })
      if (redis === undefined) return inDatabase
      return new RateLimiterRedis({
        storeClient: redis.client,
        keyPrefix: `${redis.keyPrefix}:${keyPrefix}`,
        points,
        duration,
        // Not connected: count in the database at once rather than wait for Redis.
        rejectIfRedisNotReady: true,
        insuranceLimiter: inDatabase,
      })
    }
    this.#account = limiter('login.account', config.max_failures, window)
    this.#consecutive = limiter('login.consecutive', consecutiveLimit, 0)
    this.#lockouts = limiter('login.lockouts', 1_000, day)
    this.#address = limiter('login.ip', config.ip_max_failures, window)
  }

  /** Why a login for `email` from `ip` must be refused now, or undefined. */
  async blockedFor(email: string, ip: string): Promise<LoginBlock | undefined> {
    const key = accountKey(email)
    for (const limiter of [this.#account, this.#consecutive]) {
      const state = await limiter.get(key)
      if (state !== null && state.consumedPoints > limiter.points) {
        return { reason: 'locked', retryAfterMs: state.msBeforeNext }
      }
    }
    const address = await this.#address.get(ip)
    if (address !== null && address.consumedPoints > this.#address.points) {
      return { reason: 'throttled', retryAfterMs: address.msBeforeNext }
    }
    return undefined
  }

  /** Counts a failure; returns the lock it caused, if any. */
  async recordFailure(email: string, ip: string): Promise<LockInfo | undefined> {
    const key = accountKey(email)
    const address = await consume(this.#address, ip)
    if (address.consumedPoints >= this.#address.points) {
      await this.#address.block(ip, this.#lockSeconds)
    }

    const consecutive = await consume(this.#consecutive, key)
    if (consecutive.consumedPoints >= consecutiveLimit) {
      await this.#consecutive.block(key, day)
      return { failures: consecutive.consumedPoints, lockedForMs: day * 1000 }
    }

    const recent = await consume(this.#account, key)
    if (recent.consumedPoints < this.#maxFailures) return undefined
    const lockouts = (await consume(this.#lockouts, key)).consumedPoints
    const seconds = Math.min(day, this.#lockSeconds * 2 ** Math.min(lockouts - 1, 16))
    await this.#account.block(key, seconds)
    return { failures: recent.consumedPoints, lockedForMs: seconds * 1000 }
  }

  /** A success clears the account's failure counts (not its address's). */
  async recordSuccess(email: string, _ip: string): Promise<void> {
    const key = accountKey(email)
    await this.#account.delete(key)
    await this.#consecutive.delete(key)
  }

  /** An administrator's unlock: clears every count of the account. */
  async unlock(email: string): Promise<void> {
    const key = accountKey(email)
    await Promise.all([this.#account, this.#consecutive, this.#lockouts].map((l) => l.delete(key)))
  }
}
