/**
 * Appending to the audit log. The chain is extended inside the caller's transaction: the
 * first statement bumps the single head row, which on PostgreSQL locks it until commit (and on
 * SQLite takes the write lock), so concurrent writers queue on the head and each transaction
 * that commits has a gap-free run of seqs chained to the one before. A rolled-back transaction
 * takes its events and its seqs with it.
 *
 * @example
 * await db.transaction().execute(async (tx) => {
 *   await tx.updateTable('users').set({ disabled: 1 }).where('id', '=', userId).execute()
 *   await events.append({ type: 'user.disabled', ...rest }, tx)
 * })
 */
import { CompiledQuery } from 'kysely'
import type { Kysely, Transaction } from 'kysely'
import type SqliteDatabase from 'better-sqlite3'

import { ChainHasher, hashedEventText } from '../chain.js'
import type { AuditEventInput, ChainedAuditEvent, RecordedAuditEvent } from '../event.js'
import { toRecordedEvent, validateEventInput } from '../event.js'
import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import type { Dialect } from '../../store/database.js'
import type { Database } from '../../store/schema.js'
import { eventRowValues } from './event-rows.js'
import { EventRowWriter, ROWS_PER_STATEMENT, preparedStatements } from './insert-events.js'

export type Executor = Kysely<Database> | Transaction<Database>

/** The last seq of the log and its chain hash (seq 0 and the genesis hash when empty). */
export interface ChainHead {
  readonly seq: number
  readonly hash: string
}

export interface EventLogOptions {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  readonly clock: Clock
  /** How far ahead of the clock `occurredAt` may lie. */
  readonly maxFutureSkewMs: number
  /** On SQLite, the native connection: the append then runs statements prepared once. */
  readonly sqlite?: SqliteDatabase.Database | undefined
}

type Listener = (head: ChainHead) => void

/** The append side of the audit log. */
export class EventLog {
  readonly #options: EventLogOptions
  readonly #listeners = new Set<Listener>()

  constructor(options: EventLogOptions) {
    this.#options = options
  }

  /**
   * Validates and appends one event, in `transaction` when given (so it commits or rolls back
   * with the change it describes). Invalid input is a programming error here and throws
   * `audit_event_invalid` naming every bad field.
   */
  async append(
    input: AuditEventInput,
    transaction?: Transaction<Database>,
  ): Promise<ChainedAuditEvent> {
    const [event] = await this.appendBatch([input], transaction)
    return event as ChainedAuditEvent
  }

  /** Appends several events in order, in one transaction; all or none are recorded. */
  async appendBatch(
    inputs: readonly AuditEventInput[],
    transaction?: Transaction<Database>,
  ): Promise<ChainedAuditEvent[]> {
    const valid = inputs.map((input, index) => this.#validate(input, index))
    if (valid.length === 0) return []

    const run = (tx: Transaction<Database>) => this.appendValidated(tx, valid)
    const chained = await (transaction === undefined
      ? this.#options.db.transaction().execute(run)
      : run(transaction))
    return chained
  }

  /**
   * Appends events already validated (ingestion validates per event to report each reason).
   * Must run inside a transaction: the head row stays locked until it ends.
   */
  async appendValidated(
    tx: Transaction<Database>,
    inputs: readonly AuditEventInput[],
  ): Promise<ChainedAuditEvent[]> {
    const { dialect, clock, sqlite } = this.#options
    const statements = sqlite === undefined ? undefined : preparedStatements(sqlite)
    const previous =
      statements === undefined
        ? await claimSeqs(tx, dialect, inputs.length)
        : headBefore(statements.claimSeqs.get(inputs.length), inputs.length)
    const recordedAt = new Date(clock.now())
    const hasher = new ChainHasher(Buffer.from(previous.hash, 'hex'))
    const writer = new EventRowWriter(tx, dialect, sqlite)

    let prevHash = previous.hash
    const chained: ChainedAuditEvent[] = []
    // Rows go out a statement at a time, so the database inserts one slice while the next is
    // hashed; the seqs were claimed above, so the order of the slices is already fixed.
    try {
      for (let start = 0; start < inputs.length; start += ROWS_PER_STATEMENT) {
        const rows: unknown[][] = []
        for (const input of inputs.slice(start, start + ROWS_PER_STATEMENT)) {
          const recorded: RecordedAuditEvent = toRecordedEvent(input, {
            seq: previous.seq + chained.length + 1,
            recordedAt,
          })
          const body = hashedEventText(recorded)
          const hash = hasher.next(body).toString('hex')
          rows.push(eventRowValues(recorded, body, hash, prevHash))
          chained.push(Object.assign({}, recorded, { prevHash, hash }))
          prevHash = hash
        }
        await writer.write(rows, start + ROWS_PER_STATEMENT < inputs.length)
      }
    } finally {
      // Nothing may still be queued on the connection when the transaction ends.
      await writer.settle()
    }
    await writer.finish()

    if (statements !== undefined) {
      statements.setHeadHash.run(prevHash)
    } else {
      await tx.executeQuery(
        CompiledQuery.raw(
          dialect === 'postgres'
            ? 'update audit_head set hash = $1 where id = 1'
            : 'update audit_head set hash = ? where id = 1',
          [prevHash],
        ),
      )
    }

    const head = { seq: previous.seq + inputs.length, hash: prevHash }
    // Listeners (consumers) only take it as a hint to look; they read committed rows.
    queueMicrotask(() => this.#notify(head))
    return chained
  }

  /** The committed head of the chain. */
  async head(executor: Executor = this.#options.db): Promise<ChainHead> {
    const row = await executor
      .selectFrom('audit_head')
      .select(['seq', 'hash'])
      .where('id', '=', 1)
      .executeTakeFirstOrThrow()
    return { seq: Number(row.seq), hash: row.hash }
  }

  /** Calls `listener` after each append (a wake-up hint); returns the unsubscribe function. */
  onAppend(listener: Listener): () => void {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** Validates one input against the log's clock and limits. */
  validate(input: unknown) {
    const { clock, maxFutureSkewMs } = this.#options
    return validateEventInput(input, { now: () => new Date(clock.now()), maxFutureSkewMs })
  }

  #validate(input: AuditEventInput, index: number): AuditEventInput {
    const result = this.validate(input)
    if (result.ok) return result.event

    const errors = result.issues.map((issue) => ({
      field: `events[${index}].${issue.path}`,
      message: `${issue.code}: ${issue.message}`,
    }))
    const summary = errors.map((error) => `${error.field} ${error.message}`).join('; ')
    throw new RampartError('audit_event_invalid', summary, { errors })
  }

  #notify(head: ChainHead): void {
    for (const listener of this.#listeners) listener(head)
  }
}

/**
 * Reserves `count` seqs by bumping the head row; returns the head before the bump. This is
 * the statement that serialises writers, so it comes first in the append.
 */
async function claimSeqs(
  tx: Transaction<Database>,
  dialect: Dialect,
  count: number,
): Promise<ChainHead> {
  const text =
    dialect === 'postgres'
      ? 'update audit_head set seq = seq + $1 where id = 1 returning seq, hash'
      : 'update audit_head set seq = seq + ? where id = 1 returning seq, hash'
  const result = await tx.executeQuery<{ seq: number | string; hash: string }>(
    CompiledQuery.raw(text, [count]),
  )
  return headBefore(result.rows[0], count)
}

/** The head before a claim of `count` seqs, from the row the claim returned. */
function headBefore(
  row: { seq: number | string; hash: string } | undefined,
  count: number,
): ChainHead {
  if (row === undefined) throw new Error('the audit_head row is missing; run the migrations')
  return { seq: Number(row.seq) - count, hash: row.hash }
}
