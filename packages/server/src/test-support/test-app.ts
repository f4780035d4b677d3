import type { App } from '../app.js'
import { createApp } from '../app.js'
import type { ConfigInput } from '../config/schema.js'
import { configSchema } from '../config/schema.js'
import type { Dialect } from '../store/database.js'
import type { CapturedLog } from './log-capture.js'
import { captureLog } from './log-capture.js'
import type { TestDatabase } from './stores.js'
import { createTestDatabase } from './stores.js'

export interface TestApp {
  readonly app: App
  readonly log: CapturedLog
  readonly database: TestDatabase
  dispose(): Promise<void>
}

export interface TestAppOptions {
  /**
   * A database another test app already uses, to run a second replica on it; the first app
   * owns it and removes it, this one only stops.
   */
  readonly database?: TestDatabase
}

/** A whole platform on a throwaway database of the given dialect, logging into memory. */
export async function createTestApp(
  dialect: Dialect = 'sqlite',
  config: ConfigInput = {},
  options: TestAppOptions = {},
): Promise<TestApp> {
  const owned = options.database === undefined
  const database = options.database ?? (await createTestDatabase(dialect))
  const log = captureLog()
  const parsed = configSchema.parse({
    ...config,
    data_dir: database.dataDir,
    database: { ...config.database, url: config.database?.url ?? database.url },
    server: { port: 0, ...config.server },
  })
  let app: App
  try {
    app = await createApp({
      config: parsed,
      logger: log.logger,
      ...(database.schema === undefined ? {} : { databaseSchema: database.schema }),
    })
  } catch (error) {
    // A leaked PostgreSQL schema would make every later suite's migrator see its tables.
    if (owned) await database.dispose()
    throw error
  }
  return {
    app,
    log,
    database,
    dispose: async () => {
      await app.stop()
      if (owned) await database.dispose()
    },
  }
}
