import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe } from 'vitest'
import type { Dialect, Store } from '../store/database.js'
import { openStore } from '../store/database.js'
import { migrateToLatest } from '../store/migrate.js'
import { createTestSchema, postgresUnavailable, testDatabaseUrl } from './postgres.js'

/** Where a test database lives, so a test can open it a second time ("after a restart"). */
export interface TestDatabase {
  readonly dialect: Dialect
  readonly dataDir: string
  readonly url: string | undefined
  readonly schema: string | undefined
  /** Opens (another) connection to this database, migrated. */
  open(): Promise<Store>
  /** Closes every store opened here and removes the database. */
  dispose(): Promise<void>
}

export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  const dataDir = mkdtempSync(join(tmpdir(), 'rampart-test-'))
  const postgres = dialect === 'postgres' ? await createTestSchema() : undefined
  const url = postgres === undefined ? undefined : testDatabaseUrl
  const opened: Store[] = []

  return {
    dialect,
    dataDir,
    url,
    schema: postgres?.schema,
    open: async () => {
      const store = openStore({
        url,
        dataDir,
        poolMax: 4,
        ...(postgres === undefined ? {} : { schema: postgres.schema }),
      })
      opened.push(store)
      await migrateToLatest(store)
      return store
    },
    dispose: async () => {
      await Promise.allSettled(opened.map((store) => store.close()))
      await postgres?.drop()
      rmSync(dataDir, { recursive: true, force: true })
    },
  }
}

/**
 * Declares a suite once per dialect: SQLite always, PostgreSQL when reachable (and always in
 * CI, where an unreachable server already failed the run).
 */
export function describeEachDialect(name: string, suite: (dialect: Dialect) => void): void {
  describe(`${name} [sqlite]`, () => suite('sqlite'))
  describe.skipIf(postgresUnavailable !== undefined)(`${name} [postgres]`, () => suite('postgres'))
}
