import { chmodSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import SqliteDatabase from 'better-sqlite3'
import { Kysely, PostgresDialect, sql, SqliteDialect } from 'kysely'
import pg from 'pg'
import type { Logger } from '../platform/logger.js'
import type { Database } from './schema.js'

export type Dialect = 'sqlite' | 'postgres'

export interface StoreOptions {
  /** A postgres:// URL; absent means SQLite in `dataDir`. */
  readonly url?: string | undefined
  readonly dataDir: string
  readonly poolMax?: number
  readonly connectTimeoutMs?: number
  /** PostgreSQL schema to use instead of `public` (tests give each suite its own). */
  readonly schema?: string
  readonly logger?: Logger
}

/** The database: a Kysely instance over SQLite or PostgreSQL, and how to check and close it. */
export interface Store {
  readonly db: Kysely<Database>
  readonly dialect: Dialect
  /**
   * The better-sqlite3 connection behind `db` on SQLite, for hot paths that prepare a statement
   * once (the audit append); statements run on it join the transaction `db` has open.
   */
  readonly sqlite?: SqliteDatabase.Database
  /** The PostgreSQL schema in use when one was given (tests), instead of `public`. */
  readonly schema?: string
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>
  close(): Promise<void>
}

const int8Oid = 20
const numericOid = 1700

function openSqlite(options: StoreOptions): Store {
  // The database holds hashed secrets and sealed keys: keep the directory private.
  mkdirSync(options.dataDir, { recursive: true, mode: 0o700 })
  const path = join(options.dataDir, 'rampart.db')
  let connection: SqliteDatabase.Database
  try {
    connection = new SqliteDatabase(path)
  } catch (error) {
    throw new Error(`cannot open the database ${path}`, { cause: error })
  }
  // An existing data directory may be more open than 0700; the file itself stays private.
  chmodSync(path, 0o600)
  connection.pragma('journal_mode = WAL')
  // NORMAL keeps every committed transaction through a process crash (kill -9); only a power
  // loss may lose the last commits before a WAL checkpoint.
  connection.pragma('synchronous = NORMAL')
  connection.pragma('busy_timeout = 5000')
  connection.pragma('foreign_keys = ON')

  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: connection }) })
  return {
    db,
    dialect: 'sqlite',
    sqlite: connection,
    ping: async () => {
      await sql`select 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}

const readBigintsAsNumbers = ((oid: number, format: 'text' | 'binary' = 'text') => {
  if (oid === int8Oid || oid === numericOid) return Number
  return pg.types.getTypeParser(oid, format) as unknown
}) as typeof pg.types.getTypeParser

function openPostgres(url: string, options: StoreOptions): Store {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolMax ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
    idleTimeoutMillis: 30_000,
    ...(options.schema === undefined ? {} : { options: `-c search_path=${options.schema}` }),
    // Times are bigint columns of milliseconds: read them as numbers, not strings.
    types: { getTypeParser: readBigintsAsNumbers },
  })
  // A connection whose server went away emits 'error' on its client, checked out or idle;
  // without a listener Node treats that as an uncaught exception and the process dies. The
  // query running on it (if any) fails on its own, and the pool replaces the connection.
  pool.on('error', (error) => {
    options.logger?.warn({ err: error }, 'idle PostgreSQL connection lost')
  })
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      options.logger?.debug({ err: error }, 'PostgreSQL connection lost')
    })
  })

  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) })
  return {
    db,
    dialect: 'postgres',
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ping: async () => {
      await sql`select 1`.execute(db)
    },
    close: () => db.destroy(),
  }
}

/** Opens the configured database. Nothing is created or migrated here; see `migrateToLatest`. */
export function openStore(options: StoreOptions): Store {
  return options.url === undefined ? openSqlite(options) : openPostgres(options.url, options)
}
