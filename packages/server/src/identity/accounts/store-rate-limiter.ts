/**
 * A `rate-limiter-flexible` limiter whose counters live in Rampart's own database (table
 * `identity_throttle`), on SQLite and PostgreSQL alike: counters survive a restart and every
 * replica sharing the database shares them. One upsert statement per consume keeps the
 * increment atomic. The library ships limiters for raw database drivers only, so this
 * subclasses its store base class with the four storage methods it asks for.
 */
import { createRequire } from 'node:module'

import { sql } from 'kysely'
import type { RateLimiterStoreAbstract as StoreBaseType } from 'rate-limiter-flexible'
import { RateLimiterRes } from 'rate-limiter-flexible'

import type { Clock } from '../../platform/clock.js'
import type { IdentityDb } from '../store/tables.js'

const require = createRequire(import.meta.url)
// The base class is declared in the package's types but not exported by its entry point.
const StoreBase =
  require('rate-limiter-flexible/lib/RateLimiterStoreAbstract.js') as typeof StoreBaseType

interface StoredCounter {
  readonly points: number
  readonly expiresAt: number | null
}

export interface StoreRateLimiterOptions {
  readonly db: IdentityDb
  readonly clock: Clock
  readonly keyPrefix: string
  readonly points: number
  /** Window in seconds. */
  readonly duration: number
  /** Seconds a key stays blocked once it consumed more than `points`. */
  readonly blockDuration?: number
}

export class StoreRateLimiter extends StoreBase {
  readonly #db: IdentityDb
  readonly #clock: Clock

  constructor(options: StoreRateLimiterOptions) {
    super({
      storeClient: options.db,
      keyPrefix: options.keyPrefix,
      points: options.points,
      duration: options.duration,
      blockDuration: options.blockDuration ?? 0,
    })
    this.#db = options.db
    this.#clock = options.clock
  }

  async _upsert(
    key: string,
    points: number,
    msDuration: number,
    forceExpire = false,
  ): Promise<StoredCounter> {
    const now = this.#clock.now()
    const expiresAt = msDuration > 0 ? now + msDuration : null
    // A lapsed window (or a forced one, for `block`) starts over; otherwise points add up.
    const storedPoints = sql.ref('identity_throttle.points')
    const storedExpiry = sql.ref('identity_throttle.expires_at')
    const restart = forceExpire
      ? sql<boolean>`1 = 1`
      : sql<boolean>`${storedExpiry} is not null and ${storedExpiry} <= ${now}`
    const row = await this.#db
      .insertInto('identity_throttle')
      .values({ key, points, expires_at: expiresAt })
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet({
          points: sql<number>`case when ${restart} then ${points}
            else ${storedPoints} + ${points} end`,
          expires_at: sql<
            number | null
          >`case when ${restart} then ${expiresAt} else ${storedExpiry} end`,
        }),
      )
      .returning(['points', 'expires_at'])
      .executeTakeFirstOrThrow()
    return {
      points: Number(row.points),
      expiresAt: row.expires_at === null ? null : Number(row.expires_at),
    }
  }

  async _get(key: string): Promise<StoredCounter | null> {
    const row = await this.#db
      .selectFrom('identity_throttle')
      .select(['points', 'expires_at'])
      .where('key', '=', key)
      .executeTakeFirst()
    if (row === undefined) return null
    const expiresAt = row.expires_at === null ? null : Number(row.expires_at)
    if (expiresAt !== null && expiresAt <= this.#clock.now()) return null
    return { points: Number(row.points), expiresAt }
  }

  async _delete(key: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom('identity_throttle')
      .where('key', '=', key)
      .executeTakeFirst()
    return result.numDeletedRows > 0n
  }

  _getRateLimiterRes(_key: string, changedPoints: number, stored: StoredCounter): RateLimiterRes {
    const consumed = stored.points
    const msBeforeNext =
      stored.expiresAt === null ? -1 : Math.max(stored.expiresAt - this.#clock.now(), 0)
    return new RateLimiterRes(
      Math.max(this.points - consumed, 0),
      msBeforeNext,
      consumed,
      changedPoints === consumed,
    )
  }
}
