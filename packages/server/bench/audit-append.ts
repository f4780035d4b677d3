/**
 * Audit append benchmark: batched appends (validation, canonical encoding, SHA-256 chain and
 * multi-row insert) against a plain insert of the same rows without hashing, on SQLite and,
 * when reachable, PostgreSQL; then verification speed, proofs over the log (audit-proofs.ts)
 * and concurrent single-event writers.
 * Prints one JSON line per measurement.
 *
 *     node --conditions=source --import tsx packages/server/bench/audit-append.ts
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'

import pg from 'pg'

import { verifyDatabase } from '../src/audit/log/database-verify.js'
import { benchProofs } from './audit-proofs.js'
import { EventLog } from '../src/audit/log/event-log.js'
import { eventRowValues } from '../src/audit/log/event-rows.js'
import { insertEventRows } from '../src/audit/log/insert-events.js'
import { sampleEvent } from '../src/audit/log/fixture.js'
import { toRecordedEvent } from '../src/audit/event.js'
import { systemClock } from '../src/platform/clock.js'
import type { Dialect, Store } from '../src/store/database.js'
import { openStore } from '../src/store/database.js'
import { migrateToLatest } from '../src/store/migrate.js'

const postgresUrl =
  process.env.RAMPART_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'
const batchSize = 1000

interface Database {
  readonly store: Store
  dispose(): Promise<void>
}

async function openDatabase(dialect: Dialect): Promise<Database> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rampart-bench-'))
  let schema: string | undefined
  if (dialect === 'postgres') {
    schema = `bench_${process.pid}_${Math.floor(Math.random() * 1e6)}`
    const client = new pg.Client({ connectionString: postgresUrl })
    await client.connect()
    await client.query(`create schema ${schema}`)
    await client.end()
  }
  const store = openStore({
    dataDir,
    ...(dialect === 'postgres' ? { url: postgresUrl, schema: schema, poolMax: 10 } : {}),
  })
  await migrateToLatest(store)
  return {
    store,
    dispose: async () => {
      await store.close()
      if (schema !== undefined) {
        const client = new pg.Client({ connectionString: postgresUrl })
        await client.connect()
        await client.query(`drop schema ${schema} cascade`)
        await client.end()
      }
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

function print(record: Record<string, unknown>): void {
  console.log(JSON.stringify(record))
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    return true
  } catch {
    return false
  } finally {
    await client.end().catch(() => undefined)
  }
}

async function benchDialect(dialect: Dialect, total: number): Promise<void> {
  const at = new Date().toISOString()
  const inputs = Array.from({ length: total }, (_, index) => sampleEvent(index, at))

  // Plain: the same rows, already encoded, with a fixed hash, in the same statements.
  const plain = await openDatabase(dialect)
  const recordedAt = new Date()
  const rows = inputs.map((input, index) => {
    const recorded = toRecordedEvent(input, { seq: index + 1, recordedAt })
    return eventRowValues(recorded, JSON.stringify(recorded), 'ab'.repeat(32), 'ab'.repeat(32))
  })
  let started = performance.now()
  for (let start = 0; start < total; start += batchSize) {
    await plain.store.db
      .transaction()
      .execute((tx) =>
        insertEventRows(tx, dialect, rows.slice(start, start + batchSize), plain.store.sqlite),
      )
  }
  const plainPerSecond = total / ((performance.now() - started) / 1000)
  await plain.dispose()

  const chained = await openDatabase(dialect)
  const log = new EventLog({
    db: chained.store.db,
    dialect,
    clock: systemClock,
    maxFutureSkewMs: 300_000,
    sqlite: chained.store.sqlite,
  })
  started = performance.now()
  for (let start = 0; start < total; start += batchSize) {
    await log.appendBatch(inputs.slice(start, start + batchSize))
  }
  const appendPerSecond = total / ((performance.now() - started) / 1000)
  print({
    bench: 'audit.append',
    dialect,
    events: total,
    batchSize,
    appendEventsPerSecond: Math.round(appendPerSecond),
    plainInsertRowsPerSecond: Math.round(plainPerSecond),
    ratio: Math.round((appendPerSecond / plainPerSecond) * 100) / 100,
  })

  started = performance.now()
  const report = await verifyDatabase(chained.store.db, { publicKeys: [] })
  const verifySeconds = (performance.now() - started) / 1000
  print({
    bench: 'audit.verify',
    dialect,
    ok: report.ok,
    events: report.eventsVerified,
    eventsPerSecond: Math.round(report.eventsVerified / verifySeconds),
  })
  print(await benchProofs(chained.store, total))

  // Writers that each append one event in their own transaction, as request handlers do:
  // the cost of serialising on the chain head.
  const writers = 8
  const perWriter = dialect === 'postgres' ? 50 : 200
  started = performance.now()
  await Promise.all(
    Array.from({ length: writers }, async (_, writer) => {
      for (let index = 0; index < perWriter; index++) {
        await log.append(sampleEvent(writer * perWriter + index, at))
      }
    }),
  )
  const concurrentSeconds = (performance.now() - started) / 1000
  print({
    bench: 'audit.append.concurrent_single',
    dialect,
    writers,
    events: writers * perWriter,
    eventsPerSecond: Math.round((writers * perWriter) / concurrentSeconds),
  })
  await chained.dispose()
}

await benchDialect('sqlite', Number(process.env.AUDIT_BENCH_SQLITE_EVENTS ?? 30_000))
if (await postgresReachable()) {
  await benchDialect('postgres', Number(process.env.AUDIT_BENCH_POSTGRES_EVENTS ?? 10_000))
} else {
  print({ bench: 'audit.append', dialect: 'postgres', skipped: 'PostgreSQL not reachable' })
}
