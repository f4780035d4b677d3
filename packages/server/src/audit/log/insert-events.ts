/**
 * The hot path of appending: multi-row inserts whose SQL text is built once per row count and
 * dialect, executed as raw compiled queries. Building a Kysely query per row costs more than
 * hashing the row, so the append path skips the builder here.
 */
import { CompiledQuery } from 'kysely'
import type { Kysely, Transaction } from 'kysely'
import type SqliteDatabase from 'better-sqlite3'

import type { Dialect } from '../../store/database.js'
import type { Database } from '../../store/schema.js'
import { EVENT_COLUMNS } from './event-rows.js'

// TODO(#3): the SQLite target (100k events/s) lies above what a plain insert of the same rows
// reaches on the shared two-core machines (40–80k rows/s through this statement: the table has
// seven indexes). Multi-row statements and `integer primary key` measured no faster there, so
// what is left is fewer indexes or a cheaper validation than the zod pass per event.

/**
 * Rows per statement: 13 columns × 250 rows stays far below both dialects' parameter caps, and
 * a batch of 1,000 becomes four statements the server can insert while the next is hashed.
 */
export const ROWS_PER_STATEMENT = 250

const statementCache = new Map<string, string>()

function insertStatement(dialect: Dialect, rows: number): string {
  const cacheKey = `${dialect}:${rows}`
  const cached = statementCache.get(cacheKey)
  if (cached !== undefined) return cached

  const width = EVENT_COLUMNS.length
  const tuples: string[] = []
  for (let row = 0; row < rows; row++) {
    const marks: string[] = []
    for (let column = 1; column <= width; column++) {
      marks.push(dialect === 'postgres' ? `$${row * width + column}` : '?')
    }
    tuples.push(`(${marks.join(',')})`)
  }
  const text = `insert into audit_events (${EVENT_COLUMNS.join(',')}) values ${tuples.join(',')}`
  statementCache.set(cacheKey, text)
  return text
}

/**
 * Inserts rows given as value arrays in `EVENT_COLUMNS` order: on SQLite with a statement
 * prepared once on the native connection (`sqlite`, when given; it joins the open transaction),
 * elsewhere in statements of ≤ `ROWS_PER_STATEMENT` rows.
 */
export async function insertEventRows(
  executor: Kysely<Database> | Transaction<Database>,
  dialect: Dialect,
  rows: readonly unknown[][],
  sqlite?: SqliteDatabase.Database,
): Promise<void> {
  const writer = new EventRowWriter(executor, dialect, sqlite)
  try {
    for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
      const end = start + ROWS_PER_STATEMENT
      await writer.write(rows.slice(start, end), end < rows.length)
    }
  } finally {
    await writer.settle()
  }
  await writer.finish()
}

/**
 * Writes rows while the caller is still producing them. On SQLite each row goes straight
 * through the prepared statement. Over a network connection each `write` sends one multi-row
 * statement and returns once it is on its way, so the server inserts those rows while the
 * caller hashes the next ones; `finish` waits for every statement and throws the first failure.
 */
export class EventRowWriter {
  readonly #executor: Kysely<Database> | Transaction<Database>
  readonly #dialect: Dialect
  readonly #insertRow: SqliteDatabase.Statement<unknown[]> | undefined
  readonly #sent: Promise<void>[] = []
  #failure: { readonly error: unknown } | undefined

  constructor(
    executor: Kysely<Database> | Transaction<Database>,
    dialect: Dialect,
    sqlite?: SqliteDatabase.Database,
  ) {
    this.#executor = executor
    this.#dialect = dialect
    this.#insertRow = sqlite === undefined ? undefined : preparedStatements(sqlite).insertRow
  }

  /**
   * Inserts up to `ROWS_PER_STATEMENT` rows (or sends the statement that will). With `more`,
   * the caller has further rows to build, so the statement is put on the wire before returning.
   */
  async write(rows: readonly unknown[][], more = false): Promise<void> {
    if (rows.length === 0) return
    if (this.#insertRow !== undefined) {
      try {
        for (const row of rows) this.#insertRow.run(row)
      } catch (error) {
        throw insertFailed(error)
      }
      return
    }
    if (rows.length > ROWS_PER_STATEMENT) throw new Error('too many rows for one statement')

    const query = CompiledQuery.raw(insertStatement(this.#dialect, rows.length), rows.flat())
    // Queries on a transaction run one after another; a failure aborts it, so the first
    // failure is the one worth reporting. Recording it here keeps it from going unhandled.
    const sent = this.#executor.executeQuery(query).then(
      () => undefined,
      (error: unknown) => {
        this.#failure ??= { error }
      },
    )
    this.#sent.push(sent)
    // Let the driver put the statement on the wire before the caller's next stretch of work.
    if (more) await new Promise<void>((resolve) => setImmediate(resolve))
  }

  /** Waits for every statement sent; rethrows the first failure. */
  async finish(): Promise<void> {
    await this.settle()
    if (this.#failure !== undefined) throw insertFailed(this.#failure.error)
  }

  /**
   * Waits for every statement sent, whatever their outcome. A caller that fails between two
   * writes must call this before its transaction rolls back: the rollback goes straight to
   * the connection, and a statement still queued behind it would then run outside the
   * transaction.
   */
  async settle(): Promise<void> {
    await Promise.all(this.#sent)
  }
}

function insertFailed(cause: unknown): Error {
  return new Error('inserting audit events failed', { cause })
}

/** The append path's statements, prepared once per SQLite connection. */
export interface SqliteAppendStatements {
  readonly insertRow: SqliteDatabase.Statement<unknown[]>
  /** Reserves seqs: `update … returning seq, hash` with the count as its one parameter. */
  readonly claimSeqs: SqliteDatabase.Statement<[number], { seq: number; hash: string }>
  readonly setHeadHash: SqliteDatabase.Statement<[string]>
}

const prepared = new WeakMap<SqliteDatabase.Database, SqliteAppendStatements>()

export function preparedStatements(sqlite: SqliteDatabase.Database): SqliteAppendStatements {
  let statements = prepared.get(sqlite)
  if (statements !== undefined) return statements

  statements = {
    insertRow: sqlite.prepare(insertStatement('sqlite', 1)),
    claimSeqs: sqlite.prepare<[number], { seq: number; hash: string }>(
      'update audit_head set seq = seq + ? where id = 1 returning seq, hash',
    ),
    setHeadHash: sqlite.prepare<[string]>('update audit_head set hash = ? where id = 1'),
  }
  prepared.set(sqlite, statements)
  return statements
}
