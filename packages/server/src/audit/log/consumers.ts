/**
 * Durable consumers: each named consumer reads the log in seq order from a cursor stored in
 * `audit_consumers`, on one replica at a time (a lease per consumer). Delivery is at least
 * once: the cursor moves only after the handler resolved, so a crash re-delivers the event in
 * hand. A handler that throws gets the same event again after an exponential backoff.
 */
import type { Kysely } from 'kysely'
import { Gauge } from 'prom-client'
import type { Registry } from 'prom-client'

import type { ChainedAuditEvent } from '../event.js'
import type { Clock } from '../../platform/clock.js'
import type { Leases } from '../../platform/jobs/lease.js'
import type { Logger } from '../../platform/logger.js'
import type { Database } from '../../store/schema.js'
import type { EventLog } from './event-log.js'
import { firstStoredSeq } from './archive-boundary.js'
import { streamStoredEvents } from './database-verify.js'

/** Handles one event; throwing (or rejecting) retries the same event later. */
export type EventHandler = (event: ChainedAuditEvent) => Promise<void>

export interface Subscription {
  readonly name: string
  /** Delivers what is pending now (up to one batch); resolves to the number handled. */
  runOnce(): Promise<number>
  /** Stops delivering; waits for the handler in progress. */
  stop(): Promise<void>
}

export interface ConsumerOptions {
  readonly db: Kysely<Database>
  readonly log: EventLog
  readonly clock: Clock
  readonly leases: Leases
  readonly logger: Logger
  readonly holder: string
  readonly pollIntervalMs: number
  readonly leaseTtlMs: number
  readonly registry: Registry
}

const batchSize = 500
const maxBackoffMs = 60_000

/** Delay before retry `attempt` (1, 2, ...): 100 ms doubling, capped at a minute. */
export function consumerBackoffMs(attempt: number): number {
  return Math.min(maxBackoffMs, 100 * 2 ** Math.max(0, attempt - 1))
}

/** The consumers of one process, with their lag metric. */
export class Consumers {
  readonly #options: ConsumerOptions
  readonly #active = new Map<string, ConsumerLoop>()
  #started = false

  constructor(options: ConsumerOptions) {
    this.#options = options
    const { db } = options
    new Gauge({
      name: 'rampart_event_consumer_lag',
      help: 'Events appended to the audit log that a durable consumer has not handled yet.',
      labelNames: ['consumer'],
      registers: [options.registry],
      async collect() {
        const [head, cursors] = await Promise.all([
          db.selectFrom('audit_head').select('seq').where('id', '=', 1).executeTakeFirst(),
          db.selectFrom('audit_consumers').select(['name', 'position']).execute(),
        ])
        this.reset()
        for (const cursor of cursors) {
          const lag = Number(head?.seq ?? 0) - Number(cursor.position)
          this.set({ consumer: cursor.name }, Math.max(0, lag))
        }
      },
    })
  }

  /** Registers a consumer; delivery starts with `start` (or at once if already started). */
  subscribe(name: string, handler: EventHandler): Subscription {
    if (this.#active.has(name)) throw new Error(`audit consumer ${name} is already subscribed`)
    const subscription = new ConsumerLoop(name, handler, this.#options)
    this.#active.set(name, subscription)
    if (this.#started) subscription.start()
    return subscription
  }

  start(): void {
    this.#started = true
    for (const subscription of this.#active.values()) subscription.start()
  }

  async stop(): Promise<void> {
    this.#started = false
    await Promise.all([...this.#active.values()].map((subscription) => subscription.stop()))
  }
}

class ConsumerLoop implements Subscription {
  readonly name: string
  readonly #handler: EventHandler
  readonly #options: ConsumerOptions
  readonly #leaseName: string
  #timer: NodeJS.Timeout | undefined
  #running: Promise<unknown> | undefined
  #stopped = true
  #retryAt = 0
  #unsubscribe: (() => void) | undefined

  constructor(name: string, handler: EventHandler, options: ConsumerOptions) {
    this.name = name
    this.#handler = handler
    this.#options = options
    this.#leaseName = `audit.consumer.${name}`
  }

  async runOnce(): Promise<number> {
    const { db, clock, leases, holder, leaseTtlMs } = this.#options
    if (clock.now() < this.#retryAt) return 0
    if ((await leases.acquire(this.#leaseName, holder, leaseTtlMs)) === undefined) return 0

    // A consumer created after retention archived a prefix starts where the stored log does.
    const position = await this.#position()
    const from = Math.max(position + 1, (await firstStoredSeq(db)) ?? 0)
    let handled = 0
    for await (const event of streamStoredEvents(db, from, from + batchSize - 1)) {
      try {
        await this.#handler(event)
      } catch (error) {
        await this.#recordFailure(event.seq, error)
        return handled
      }
      await db
        .updateTable('audit_consumers')
        .set({ position: event.seq, attempts: 0, last_error: null, updated_at: clock.now() })
        .where('name', '=', this.name)
        .execute()
      handled++
    }
    return handled
  }

  async #position(): Promise<number> {
    const { db, clock } = this.#options
    await db
      .insertInto('audit_consumers')
      .values({ name: this.name, position: 0, attempts: 0, updated_at: clock.now() })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute()
    const row = await db
      .selectFrom('audit_consumers')
      .select('position')
      .where('name', '=', this.name)
      .executeTakeFirstOrThrow()
    return Number(row.position)
  }

  async #recordFailure(seq: number, error: unknown): Promise<void> {
    const { db, clock, logger } = this.#options
    const message = error instanceof Error ? error.message : String(error)
    const row = await db
      .updateTable('audit_consumers')
      .set((update) => ({
        attempts: update('attempts', '+', 1),
        last_error: message.slice(0, 2000),
        updated_at: clock.now(),
      }))
      .where('name', '=', this.name)
      .returning('attempts')
      .executeTakeFirst()
    const attempts = row?.attempts ?? 1
    const delayMs = consumerBackoffMs(attempts)
    this.#retryAt = clock.now() + delayMs
    logger.warn(
      { err: error, consumer: this.name, seq, attempts, retryInMs: delayMs },
      'audit consumer failed; retrying',
    )
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#unsubscribe = this.#options.log.onAppend(() => this.#wake())
    this.#schedule(0)
  }

  #wake(): void {
    if (this.#stopped || this.#running !== undefined) return
    clearTimeout(this.#timer)
    this.#schedule(Math.max(0, this.#retryAt - this.#options.clock.now()))
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#running = this.runOnce()
        .catch((error: unknown) => {
          this.#options.logger.error({ err: error, consumer: this.name }, 'audit consumer stalled')
          return 0
        })
        .then((handled) => {
          this.#running = undefined
          // A full batch means more are waiting: go again at once.
          const waitMs = handled >= batchSize ? 0 : this.#options.pollIntervalMs
          const retryMs = this.#retryAt - this.#options.clock.now()
          this.#schedule(Math.max(waitMs, retryMs))
        })
    }, delayMs)
  }

  async stop(): Promise<void> {
    this.#stopped = true
    this.#unsubscribe?.()
    clearTimeout(this.#timer)
    await this.#running
    await this.#options.leases.release(this.#leaseName, this.#options.holder)
  }
}
