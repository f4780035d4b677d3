import type { Kysely } from 'kysely'
import type { Database } from '../../store/schema.js'
import type { Clock } from '../clock.js'

export interface LeaseGrant {
  readonly name: string
  readonly holder: string
  readonly expiresAt: number
  /** Increases each time the lease changes hands; a fencing token for the holder's writes. */
  readonly epoch: number
}

/**
 * Lease rows with a TTL, so singleton loops (rule evaluation, scraping, checkpointing) run
 * on one replica at a time and move to another when their holder dies. Expiry is judged by
 * the clocks of the replicas, which are assumed to be kept in sync (NTP) well within the TTL.
 */
export class Leases {
  readonly #db: Kysely<Database>
  readonly #clock: Clock

  constructor(db: Kysely<Database>, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /**
   * Takes or renews the lease for `ttlMs`. Succeeds when the lease is free, expired, or
   * already held by `holder`; returns undefined when another holder has it.
   */
  async acquire(name: string, holder: string, ttlMs: number): Promise<LeaseGrant | undefined> {
    const now = this.#clock.now()
    const row = await this.#db
      .insertInto('leases')
      .values({ name, holder, expires_at: now + ttlMs, epoch: 1 })
      .onConflict((conflict) =>
        conflict
          .column('name')
          .doUpdateSet((update) => ({
            holder: update.ref('excluded.holder'),
            expires_at: update.ref('excluded.expires_at'),
            epoch: update
              .case()
              .when('leases.holder', '=', holder)
              .then(update.ref('leases.epoch'))
              .else(update('leases.epoch', '+', 1))
              .end(),
          }))
          .where((where) =>
            where.or([where('leases.holder', '=', holder), where('leases.expires_at', '<=', now)]),
          ),
      )
      .returning(['name', 'holder', 'expires_at', 'epoch'])
      .executeTakeFirst()

    if (row === undefined) return undefined
    return { name: row.name, holder: row.holder, expiresAt: row.expires_at, epoch: row.epoch }
  }

  /**
   * Gives the lease up at once, so another replica need not wait for it to expire. The row is
   * kept (expired) so the epoch keeps increasing across holders.
   */
  async release(name: string, holder: string): Promise<void> {
    await this.#db
      .updateTable('leases')
      .set({ expires_at: 0 })
      .where('name', '=', name)
      .where('holder', '=', holder)
      .execute()
  }

  async current(name: string): Promise<LeaseGrant | undefined> {
    const row = await this.#db
      .selectFrom('leases')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst()
    if (row === undefined || row.expires_at <= this.#clock.now()) return undefined
    return { name: row.name, holder: row.holder, expiresAt: row.expires_at, epoch: row.epoch }
  }
}
