import type { Kysely } from 'kysely'
import { sql } from 'kysely'

/** The chain hash before the first event: 32 zero bytes in hex. */
const genesisHash = '0'.repeat(64)

/**
 * The audit log: chained events, the chain head writers lock, signed checkpoints, sealed
 * signing keys, consumer cursors and ingestion idempotency keys.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_events')
    .addColumn('seq', 'bigint', (column) => column.primaryKey())
    .addColumn('id', 'text', (column) => column.notNull().unique())
    .addColumn('type', 'text', (column) => column.notNull())
    .addColumn('tenant', 'text', (column) => column.notNull())
    .addColumn('occurred_at', 'bigint', (column) => column.notNull())
    .addColumn('recorded_at', 'bigint', (column) => column.notNull())
    .addColumn('actor_id', 'text')
    .addColumn('target_id', 'text')
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('request_id', 'text')
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('hash', 'text', (column) => column.notNull())
    .addColumn('prev_hash', 'text', (column) => column.notNull())
    .execute()
  for (const column of ['type', 'actor_id', 'target_id', 'request_id', 'occurred_at']) {
    await db.schema
      .createIndex(`audit_events_${column}`)
      .on('audit_events')
      .columns([column, 'seq'])
      .execute()
  }

  // One row: the last seq and hash. Appending updates it first, so writers queue on its lock.
  await db.schema
    .createTable('audit_head')
    .addColumn('id', 'integer', (column) => column.primaryKey())
    .addColumn('seq', 'bigint', (column) => column.notNull())
    .addColumn('hash', 'text', (column) => column.notNull())
    .execute()
  await sql`insert into audit_head (id, seq, hash) values (1, 0, ${genesisHash})`.execute(db)

  await db.schema
    .createTable('audit_checkpoints')
    .addColumn('tree_size', 'bigint', (column) => column.primaryKey())
    .addColumn('body', 'text', (column) => column.notNull())
    .addColumn('frontier', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('audit_signing_keys')
    .addColumn('key_id', 'text', (column) => column.primaryKey())
    .addColumn('public_key', 'text', (column) => column.notNull())
    .addColumn('sealed_private_key', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('audit_consumers')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('position', 'bigint', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull())
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('audit_ingest_keys')
    .addColumn('key', 'text', (column) => column.primaryKey())
    .addColumn('seq', 'bigint')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'audit_ingest_keys',
    'audit_consumers',
    'audit_signing_keys',
    'audit_checkpoints',
    'audit_head',
    'audit_events',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
