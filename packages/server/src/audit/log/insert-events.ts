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

// TODO(#3): with the insert prepared once, validation, RFC 8785 encoding and per-event UUIDv7
// randomness dominate an append (3–4× the bare insert on SQLite: ratio 0.24–0.37 around the 0.3
// target);
// the 100k events/s SQLite target needs those cheaper (pooled random bytes, validation without a
// zod pass per event), not a faster insert.

/** Rows per statement: 13 columns × 500 rows stays far below both dialects' parameter caps. */
export const ROWS_PER_STATEMENT = 500

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
 * elsewhere in statements of ≤ 500 rows.
 */
export async function insertEventRows(
  executor: Kysely<Database> | Transaction<Database>,
  dialect: Dialect,
  rows: readonly unknown[][],
  sqlite?: SqliteDatabase.Database,
): Promise<void> {
  if (sqlite !== undefined) {
    const statement = preparedStatements(sqlite).insertRow
    for (const row of rows) statement.run(row)
    return
  }
  for (let start = 0; start < rows.length; start += ROWS_PER_STATEMENT) {
    const chunk = rows.slice(start, start + ROWS_PER_STATEMENT)
    const parameters = chunk.flat()
    await executor.executeQuery(
      CompiledQuery.raw(insertStatement(dialect, chunk.length), parameters),
    )
  }
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
