import type { FastifyInstance } from 'fastify'
import type { Redis } from 'ioredis'
import type { Config } from '../config/schema.js'
import type { Store } from '../store/database.js'
import type { Clock } from './clock.js'
import type { ReadinessCheck } from './health.js'
import type { JobQueue } from './jobs/job-queue.js'
import type { JobWorker } from './jobs/job-worker.js'
import type { Leases } from './jobs/lease.js'
import type { Logger } from './logger.js'
import type { MasterKey } from './master-key.js'
import type { SelfMetrics } from './self-metrics.js'

/** What the platform hands every module. Modules reach each other only through `app.ts`. */
export interface PlatformDeps {
  readonly config: Config
  readonly logger: Logger
  readonly clock: Clock
  readonly store: Store
  readonly metrics: SelfMetrics
  readonly jobs: JobQueue
  readonly worker: JobWorker
  readonly leases: Leases
  readonly masterKey: MasterKey
  /** The shared Redis when `redis.url` is set; counters shared by replicas go there. */
  readonly redis?: Redis | undefined
  /** This process's identity in leases and job claims. */
  readonly instanceId: string
}

/**
 * The shape every area module returns from its factory (`createAuditModule(deps)` and so
 * on): its routes, readiness checks and lifecycle hooks. Its service interface is returned
 * beside this, typed by the module itself.
 */
export interface RampartModule {
  readonly name: string
  /** Mounts the module's routes; called once before the server listens. */
  registerRoutes?(server: FastifyInstance): void | Promise<void>
  readonly readinessChecks?: readonly ReadinessCheck[]
  /** Starts background work; called after the server listens (at `url`), in module order. */
  start?(context: { readonly url: string }): Promise<void>
  /** Stops background work; called after the server stopped accepting, in reverse order. */
  stop?(): Promise<void>
}
