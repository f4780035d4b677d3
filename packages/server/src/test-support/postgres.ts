import { randomBytes } from 'node:crypto'
import pg from 'pg'

/** The PostgreSQL server tests use: `RAMPART_TEST_DATABASE_URL`, or the machines' default. */
export const testDatabaseUrl =
  process.env.RAMPART_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test'

async function probe(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: testDatabaseUrl, connectionTimeoutMillis: 3000 })
  try {
    await client.connect()
    await client.query('select 1')
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  } finally {
    await client.end().catch(() => undefined)
  }
}

/**
 * Why PostgreSQL tests cannot run, or undefined when they can. Under `CI=true` an unreachable
 * server is a failure, not a skip: the suites that need it must not pass by not running.
 */
export const postgresUnavailable: string | undefined = await probe()

if (postgresUnavailable !== undefined) {
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL at ${testDatabaseUrl} is required in CI: ${postgresUnavailable}`)
  }
  console.warn(`skipping PostgreSQL suites: ${testDatabaseUrl}: ${postgresUnavailable}`)
}

/**
 * Creates a fresh schema for one suite; returns its name and how to drop it. Under Vitest the
 * drop waits for the end of the run (see postgres-run.ts), so no schema disappears while
 * another suite's migrator lists every schema.
 */
export async function createTestSchema(): Promise<{ schema: string; drop: () => Promise<void> }> {
  const run = process.env.PG_TEST_RUN_ID
  const schema = `test_${run === undefined ? '' : `${run}_`}${randomBytes(6).toString('hex')}`
  const client = new pg.Client({ connectionString: testDatabaseUrl })
  await client.connect()
  try {
    await client.query(`create schema ${schema}`)
  } finally {
    await client.end()
  }

  const drop = async (): Promise<void> => {
    if (run !== undefined) return
    const dropper = new pg.Client({ connectionString: testDatabaseUrl })
    await dropper.connect()
    try {
      await dropper.query(`drop schema if exists ${schema} cascade`)
    } finally {
      await dropper.end()
    }
  }
  return { schema, drop }
}
