import { Migrator, sql } from 'kysely'
import type { MigrationResult } from 'kysely'
import type { Store } from './database.js'
import { migrations } from './migrations/index.js'

export interface MigrationReport {
  readonly name: string
  readonly status: MigrationResult['status']
}

/**
 * On PostgreSQL the migration tables are pinned to the connection's current schema: without a
 * schema Kysely looks for them in every schema of the database, so a second schema with its
 * own migration tables (another replica set, or parallel test suites) makes it skip creating
 * them in this one.
 */
async function migratorFor(store: Store): Promise<Migrator> {
  let schema: string | undefined
  if (store.dialect === 'postgres') {
    const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(
      store.db,
    )
    schema = rows[0]?.schema
  }
  return new Migrator({
    db: store.db,
    provider: { getMigrations: () => Promise.resolve(migrations) },
    migrationTableName: 'schema_migrations',
    migrationLockTableName: 'schema_migrations_lock',
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  })
}

/**
 * Applies every pending migration, one result per migration. Replicas starting at once are
 * safe: Kysely takes a lock row before migrating.
 */
export async function migrateToLatest(store: Store): Promise<MigrationReport[]> {
  const { error, results = [] } = await (await migratorFor(store)).migrateToLatest()
  const report = results.map((result) => ({ name: result.migrationName, status: result.status }))
  if (error !== undefined) {
    const failed = report.find((item) => item.status === 'Error')?.name ?? 'unknown'
    throw new Error(`migration ${failed} failed`, { cause: error })
  }
  return report
}

/** Names of migrations known to this build but not applied to the database. */
export async function pendingMigrations(store: Store): Promise<string[]> {
  const all = await (await migratorFor(store)).getMigrations()
  return all.filter((migration) => migration.executedAt === undefined).map((item) => item.name)
}

/**
 * How many of this build's migrations the database lacks, by one cheap count: readiness
 * asks this on every probe, and Kysely's full listing inspects every table.
 */
export async function unappliedMigrationCount(store: Store): Promise<number> {
  const row = await store.db
    .withoutPlugins()
    .selectFrom('schema_migrations' as never)
    .select((select) => select.fn.countAll<number>().as('applied'))
    .executeTakeFirstOrThrow()
  return Object.keys(migrations).length - Number(row.applied)
}
