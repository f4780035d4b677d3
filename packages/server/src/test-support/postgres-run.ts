/**
 * Vitest global setup: names this run, so every PostgreSQL schema a suite creates carries the
 * run's id, and drops them all once the run ends. Suites do not drop their schemas while the
 * run goes on: Kysely's migrator introspects every schema of the database, and a schema
 * dropped by another suite in the middle of that query fails it ("schema … does not exist").
 */
import { randomBytes } from 'node:crypto'
import pg from 'pg'

const url = process.env.RAMPART_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

export function setup(): () => Promise<void> {
  const run = randomBytes(4).toString('hex')
  // Forked test workers inherit the environment.
  process.env.PG_TEST_RUN_ID = run
  return async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
    try {
      await client.connect()
      const { rows } = await client.query<{ name: string }>(
        'select nspname as name from pg_namespace where nspname like $1',
        [`test\\_${run}\\_%`],
      )
      for (const { name } of rows) await client.query(`drop schema if exists ${name} cascade`)
    } catch {
      // PostgreSQL was never reachable (the suites said so) or went away: nothing to drop.
    } finally {
      await client.end().catch(() => undefined)
    }
  }
}
