import type { Kysely, Selectable, Transaction } from 'kysely'
import type { Dialect } from '../../store/database.js'
import type { Database, JobsTable } from '../../store/schema.js'
import type { Clock } from '../clock.js'
import { newId } from '../ids.js'

export type Job = Selectable<JobsTable>

export interface EnqueueOptions {
  /** When the job may run; now when absent. */
  readonly dueAt?: number
  readonly maxAttempts?: number
  /** Jobs sharing a key are enqueued once: a second enqueue is a no-op while one exists. */
  readonly dedupKey?: string
}

export interface ClaimOptions {
  readonly workerId: string
  readonly kinds: readonly string[]
  readonly limit: number
  /** How long the claim holds before another worker may take the job over. */
  readonly claimTimeoutMs: number
}

const defaultMaxAttempts = 10
const baseBackoffMs = 1000
const maxBackoffMs = 15 * 60_000

/** Exponential backoff with full jitter: 1 s, 2 s, 4 s... capped at 15 minutes. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(maxBackoffMs, baseBackoffMs * 2 ** Math.max(0, attempt - 1))
  return Math.round(ceiling / 2 + (random() * ceiling) / 2)
}

/**
 * The durable jobs table. Work that must happen later (escalations, retries, checkpoints)
 * is a row here, so it survives restarts and runs on exactly one worker at a time.
 */
export class JobQueue {
  readonly #db: Kysely<Database>
  readonly #dialect: Dialect
  readonly #clock: Clock

  constructor(db: Kysely<Database>, dialect: Dialect, clock: Clock) {
    this.#db = db
    this.#dialect = dialect
    this.#clock = clock
  }

  /**
   * Adds a job, inside `transaction` when given so the job exists exactly when the change
   * that asked for it commits. Returns the job id, or undefined when deduplicated.
   */
  async enqueue(
    kind: string,
    payload: unknown,
    options: EnqueueOptions = {},
    transaction?: Transaction<Database>,
  ): Promise<string | undefined> {
    const now = this.#clock.now()
    const id = newId()
    const inserted = await (transaction ?? this.#db)
      .insertInto('jobs')
      .values({
        id,
        kind,
        payload: JSON.stringify(payload ?? null),
        status: 'pending',
        due_at: options.dueAt ?? now,
        max_attempts: options.maxAttempts ?? defaultMaxAttempts,
        dedup_key: options.dedupKey ?? null,
        created_at: now,
        updated_at: now,
      })
      .onConflict((conflict) => conflict.column('dedup_key').doNothing())
      .returning('id')
      .executeTakeFirst()
    return inserted?.id
  }

  /**
   * Claims due jobs of the given kinds, and jobs whose previous claim expired (their worker
   * died). On PostgreSQL `FOR UPDATE SKIP LOCKED` lets concurrent workers claim disjoint
   * sets; SQLite serialises writers, so the same statement is already exclusive there.
   */
  async claimDue(options: ClaimOptions): Promise<Job[]> {
    if (options.kinds.length === 0) return []
    const now = this.#clock.now()

    let due = this.#db
      .selectFrom('jobs')
      .select('id')
      .where('kind', 'in', options.kinds)
      .where((where) =>
        where.or([
          where.and([where('status', '=', 'pending'), where('due_at', '<=', now)]),
          where.and([where('status', '=', 'running'), where('claim_expires_at', '<', now)]),
        ]),
      )
      .orderBy('due_at')
      .limit(options.limit)
    if (this.#dialect === 'postgres') due = due.forUpdate().skipLocked()

    return this.#db
      .updateTable('jobs')
      .set((update) => ({
        status: 'running',
        claimed_by: options.workerId,
        claim_expires_at: now + options.claimTimeoutMs,
        attempts: update('attempts', '+', 1),
        updated_at: now,
      }))
      .where('id', 'in', due)
      .returningAll()
      .execute()
  }

  /**
   * Marks a claimed job done, if this worker still holds the claim. Its dedup key is released
   * so the same work can be enqueued again.
   */
  async complete(job: Job, workerId: string): Promise<boolean> {
    const result = await this.#db
      .updateTable('jobs')
      .set({
        status: 'done',
        claim_expires_at: null,
        dedup_key: null,
        updated_at: this.#clock.now(),
      })
      .where('id', '=', job.id)
      .where('claimed_by', '=', workerId)
      .where('status', '=', 'running')
      .executeTakeFirst()
    return result.numUpdatedRows > 0n
  }

  /** Records a failed attempt: retried later with backoff, or failed for good at the limit. */
  async fail(job: Job, workerId: string, error: string): Promise<'retry' | 'failed'> {
    const now = this.#clock.now()
    const exhausted = job.attempts >= job.max_attempts
    await this.#db
      .updateTable('jobs')
      .set({
        status: exhausted ? 'failed' : 'pending',
        due_at: exhausted ? job.due_at : now + backoffMs(job.attempts),
        claim_expires_at: null,
        ...(exhausted ? { dedup_key: null } : {}),
        last_error: error.slice(0, 2000),
        updated_at: now,
      })
      .where('id', '=', job.id)
      .where('claimed_by', '=', workerId)
      .execute()
    return exhausted ? 'failed' : 'retry'
  }

  async get(id: string): Promise<Job | undefined> {
    return this.#db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst()
  }
}
