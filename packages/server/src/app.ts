import { hostname } from 'node:os'
import type { FastifyInstance } from 'fastify'
import type { Config } from './config/schema.js'
import type { Clock } from './platform/clock.js'
import { systemClock } from './platform/clock.js'
import type { ReadinessCheck } from './platform/health.js'
import { registerHealthRoutes } from './platform/health.js'
import type { AuditEvents } from './audit/module.js'
import { createAuditModule } from './audit/module.js'
import { createMetricsModule } from './metrics/module.js'
import { createAccessModule, RouteGuard } from './access/index.js'
import { createIdentityModule } from './identity/module.js'
import { createAlertingModule } from './alerting/module.js'
import type { StartupFacts } from './audit/log/platform-events.js'
import { createHttpServer } from './platform/http-server.js'
import { newId } from './platform/ids.js'
import { JobQueue } from './platform/jobs/job-queue.js'
import { JobWorker } from './platform/jobs/job-worker.js'
import { Leases } from './platform/jobs/lease.js'
import type { Logger } from './platform/logger.js'
import { createLogger } from './platform/logger.js'
import type { PlatformDeps, RampartModule } from './platform/module.js'
import type { MasterKey } from './platform/master-key.js'
import {
  keyFingerprint,
  loadMasterKey,
  readMasterKeyCheck,
  verifyMasterKey,
} from './platform/master-key.js'
import { closeRedis, openRedis } from './platform/redis.js'
import { registerMetricsRoute, SelfMetrics } from './platform/self-metrics.js'
import type { Store } from './store/database.js'
import { openStore } from './store/database.js'
import { migrateToLatest, unappliedMigrationCount } from './store/migrate.js'
import { version } from './version.js'

export interface AppOptions {
  readonly config: Config
  readonly logger?: Logger
  readonly clock?: Clock
  /** PostgreSQL schema to use instead of `public` (tests isolate suites this way). */
  readonly databaseSchema?: string
  /**
   * For a CLI command that opens the platform without serving, next to a server that may be
   * running on the same data directory: metrics stay in memory, so the command neither
   * takes the metric store's directory lock nor touches its files.
   */
  readonly command?: boolean
}

/**
 * The area modules, in start order. Each factory receives the platform and the services of
 * the modules before it.
 */
function createModules(
  deps: PlatformDeps,
  startup: StartupFacts,
  command: boolean,
): { modules: RampartModule[]; events: AuditEvents } {
  // The gate in front of every admin API; the access module answers its questions.
  const guard = new RouteGuard()
  const audit = createAuditModule(deps, startup, guard)
  const identity = createIdentityModule(deps, { events: audit.events, guard })
  const metrics = createMetricsModule(deps, { persist: !command })
  const access = createAccessModule(deps, audit.events, guard)
  guard.useSubjectCheck(async (subject) => {
    if (!subject.startsWith('user:')) return true
    const user = await identity.services.accounts.find(subject.slice('user:'.length))
    return user?.status === 'active'
  })
  guard.useTokenCheck((jti) => identity.services.jwtAccessTokens.isActive(jti))
  const alerting = createAlertingModule(deps, { metricStore: metrics.store, events: audit.events })
  return { modules: [audit, identity, access, metrics, alerting], events: audit.events }
}

/** The running platform: its parts, for tests and for the modules wired onto it. */
export interface App extends PlatformDeps {
  readonly server: FastifyInstance
  /** The area modules, in start order. */
  readonly modules: readonly RampartModule[]
  /** The audit event log every module appends to. */
  readonly events: AuditEvents
  /** Starts listening and the background loops; resolves to the listening URL. */
  start(): Promise<string>
  /** Stops accepting, drains requests up to the configured deadline, stops loops, closes. */
  stop(): Promise<void>
}

function databaseChecks(store: Store): ReadinessCheck[] {
  return [
    { name: 'database', check: () => store.ping() },
    {
      name: 'migrations',
      check: async () => {
        const missing = await unappliedMigrationCount(store)
        if (missing > 0) throw new Error(`${missing} migrations are not applied`)
      },
    },
  ]
}

/**
 * The composition root: opens the store, migrates it, checks the master key, builds the HTTP
 * server and wires the modules onto it. Start-up order here is the reverse of shutdown order.
 */
export async function createApp(options: AppOptions): Promise<App> {
  const { config } = options
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? createLogger({ level: config.log.level })
  const instanceId = `${hostname()}:${process.pid}:${newId().slice(-12)}`

  const store = openStore({
    url: config.database.url,
    dataDir: config.data_dir,
    poolMax: config.database.pool_max,
    connectTimeoutMs: config.database.connect_timeout_ms,
    logger,
    ...(options.databaseSchema === undefined ? {} : { schema: options.databaseSchema }),
  })

  let masterKey: MasterKey
  let startup: StartupFacts
  let redis: Awaited<ReturnType<typeof openRedis>>
  try {
    // The key is checked before migrating, so a wrong key changes nothing in the database,
    // and no key is generated for a database that already has one.
    const boundCheck = await readMasterKeyCheck(store.db)
    masterKey = loadMasterKey({
      dataDir: config.data_dir,
      configured: config.master_key,
      file: config.master_key_file,
      boundFingerprint: boundCheck?.slice(0, 12),
    })
    if (boundCheck !== undefined) await verifyMasterKey(store.db, masterKey.key)

    const applied = await migrateToLatest(store)
    for (const migration of applied) logger.info({ migration: migration.name }, 'migration applied')
    const binding = await verifyMasterKey(store.db, masterKey.key)
    logger.info(
      { source: masterKey.source, fingerprint: keyFingerprint(masterKey.key), binding },
      masterKey.source === 'generated' ? 'master key generated' : 'master key loaded',
    )
    startup = {
      migrationsApplied: applied.map((migration) => migration.name),
      masterKey: { source: masterKey.source, fingerprint: keyFingerprint(masterKey.key) },
      dialect: store.dialect,
      version,
    }
    redis = await openRedis(config.redis, logger)
  } catch (error) {
    await store.close()
    throw error
  }

  const metrics = new SelfMetrics()
  const server = await createHttpServer({
    logger,
    metrics,
    bodyLimitBytes: config.server.body_limit_bytes,
    trustProxy: config.server.trust_proxy,
    version,
  })

  const jobs = new JobQueue(store.db, store.dialect, clock)
  const worker = new JobWorker({
    queue: jobs,
    workerId: instanceId,
    logger,
    pollIntervalMs: config.jobs.poll_interval_ms,
    claimTimeoutMs: config.jobs.claim_timeout_ms,
  })
  const leases = new Leases(store.db, clock)
  const deps: PlatformDeps = {
    config,
    logger,
    clock,
    store,
    metrics,
    jobs,
    worker,
    leases,
    masterKey,
    redis,
    instanceId,
  }

  const { modules, events } = createModules(deps, startup, options.command === true)
  const checks = [...databaseChecks(store), ...modules.flatMap((mod) => mod.readinessChecks ?? [])]
  registerHealthRoutes(server, checks, config.readiness.check_timeout_ms)
  registerMetricsRoute(server, metrics)
  for (const mod of modules) await mod.registerRoutes?.(server)

  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    const deadline = setTimeout(() => {
      logger.warn({ timeoutMs: config.server.shutdown_timeout_ms }, 'drain deadline reached')
      server.server.closeAllConnections()
    }, config.server.shutdown_timeout_ms)
    // Keep-alive connections that finish their last request while draining would otherwise
    // hold the close open until they time out.
    const idleSweep = setInterval(() => server.server.closeIdleConnections(), 100)
    try {
      await server.close()
      await worker.stop()
      for (const mod of [...modules].reverse()) await mod.stop?.()
    } finally {
      clearTimeout(deadline)
      clearInterval(idleSweep)
      await closeRedis(redis)
      await store.close()
      logger.info('stopped')
    }
  }

  return {
    ...deps,
    server,
    events,
    modules,
    start: async () => {
      const url = await server.listen({ host: config.server.host, port: config.server.port })
      for (const mod of modules) await mod.start?.({ url })
      worker.start()
      logger.info({ url, version, dialect: store.dialect }, `listening on ${url}`)
      return url
    },
    stop: () => (stopping ??= stop()),
  }
}
