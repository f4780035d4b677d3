/**
 * The audit area: the tamper-evident event log, its checkpoints, proofs, query and ingestion
 * API, and durable consumers. `createAuditModule` is the one factory `app.ts` calls.
 */
import { join } from 'node:path'

import type { Transaction } from 'kysely'

import type { SignedCheckpoint } from './checkpoint.js'
import type { AuditEventInput, ChainedAuditEvent } from './event.js'
import type { AuditSigningKey } from './signing-key.js'
import type { RouteGuard } from '../access/index.js'
import type { PlatformDeps, RampartModule } from '../platform/module.js'
import { SingletonLoop } from '../platform/jobs/singleton-loop.js'
import type { Database } from '../store/schema.js'
import { createDueCheckpoints, WITNESS_JOB } from './log/checkpointer.js'
import type { CheckpointerOptions } from './log/checkpointer.js'
import { ARCHIVE_JOB, archiveExpiredEvents } from './log/archive.js'
import { deliverToWitness, syncCheckpointFile } from './log/checkpoint-exports.js'
import { purgeExpiredIngestKeys } from './log/ingest.js'
import type { EventHandler, Subscription } from './log/consumers.js'
import { Consumers } from './log/consumers.js'
import type { ChainHead } from './log/event-log.js'
import { EventLog } from './log/event-log.js'
import type { StartupFacts } from './log/platform-events.js'
import {
  signingKeyGeneratedEvent,
  startedEvent,
  startupEvents,
  stoppedEvent,
} from './log/platform-events.js'
import { loadActiveSigningKey } from './log/signing-keys.js'
import { registerAuditRoutes } from './http/routes.js'
import { readAuditTokens } from './http/tokens.js'

/** The audit log as other modules use it. */
export interface AuditEvents {
  /**
   * Appends one event, in `transaction` when given: the event commits or rolls back with the
   * change it describes. Resolves to the event as chained (with `seq` and `hash`).
   */
  append(event: AuditEventInput, transaction?: Transaction<Database>): Promise<ChainedAuditEvent>
  /** Appends several events, in order, all or none. */
  appendBatch(
    events: readonly AuditEventInput[],
    transaction?: Transaction<Database>,
  ): Promise<ChainedAuditEvent[]>
  /**
   * Delivers every event, in seq order and at least once, to `handler`, from a cursor named
   * `name` kept in the database; a throwing handler gets the same event again after a backoff.
   */
  subscribe(name: string, handler: EventHandler): Subscription
  /** The committed head of the chain. */
  head(): Promise<ChainHead>
  /**
   * Signs a checkpoint at the head now, if the log grew since the last one; nothing when
   * another replica holds the checkpoint lease (it signs on its own schedule).
   */
  checkpointNow(): Promise<SignedCheckpoint[]>
}

export interface AuditModule extends RampartModule {
  readonly events: AuditEvents
}

const checkpointLoopName = 'audit.checkpoint'

/** Builds the audit module; `startup` are the facts recorded as events when it starts. */
export function createAuditModule(
  deps: PlatformDeps,
  startup?: StartupFacts,
  guard?: RouteGuard,
): AuditModule {
  const { config, store, clock, logger, leases, jobs, worker, instanceId } = deps
  const settings = config.audit
  const tokens = readAuditTokens(settings)
  const log = new EventLog({
    db: store.db,
    dialect: store.dialect,
    clock,
    maxFutureSkewMs: settings.max_future_skew_ms,
    sqlite: store.sqlite,
  })
  const consumers = new Consumers({
    db: store.db,
    log,
    clock,
    leases,
    logger,
    holder: instanceId,
    pollIntervalMs: settings.consumer_poll_interval_ms,
    leaseTtlMs: config.jobs.lease_ttl_ms,
    registry: deps.metrics.registry,
  })

  let signingKey: AuditSigningKey | undefined
  const checkpointer: CheckpointerOptions = {
    db: store.db,
    clock,
    key: () => {
      if (signingKey === undefined) throw new Error('the audit module has not started')
      return signingKey
    },
    everyEvents: settings.checkpoint_every_events,
    intervalMs: settings.checkpoint_interval_ms,
    ...(settings.witness_url === undefined ? {} : { jobs }),
  }

  // Each checkpoint chains to the latest one, so two signers must never run at once: the loop
  // holds the lease across replicas, and within this process the loop, checkpointNow and stop
  // take turns here. (Run together on PostgreSQL, both chained to the same predecessor.)
  let signing: Promise<unknown> = Promise.resolve()
  const makeCheckpoints = (force: boolean): Promise<SignedCheckpoint[]> => {
    const run = signing.then(() => signCheckpoints(force))
    signing = run.catch(() => undefined)
    return run
  }
  const signCheckpoints = async (force: boolean): Promise<SignedCheckpoint[]> => {
    const made = await createDueCheckpoints(checkpointer, force)
    if (settings.checkpoint_file !== undefined) {
      await syncCheckpointFile(store.db, settings.checkpoint_file)
    }
    const last = made.at(-1)
    if (last !== undefined) {
      logger.debug({ treeSize: last.treeSize, count: made.length }, 'audit checkpoint signed')
    }
    return made
  }

  // Retention: the lease holder enqueues one durable archive job per interval (deduplicated
  // while one is pending); whichever worker claims it archives, and a crash retries it.
  // Expired ingestion keys are forgotten on the same schedule.
  const retentionMs = settings.retention_ms
  let housekeptAt = -Infinity
  const housekeep = async (): Promise<void> => {
    if (clock.now() - housekeptAt < settings.archive_interval_ms) return
    housekeptAt = clock.now()
    await purgeExpiredIngestKeys(store.db, clock.now(), settings.ingest_key_ttl_ms)
    if (retentionMs === undefined) return
    await jobs.enqueue(ARCHIVE_JOB, {}, { dedupKey: ARCHIVE_JOB, maxAttempts: 5 })
  }
  if (retentionMs !== undefined) {
    const archiveDir = settings.archive_dir ?? join(config.data_dir, 'audit-archive')
    worker.handle(ARCHIVE_JOB, async () => {
      const range = await archiveExpiredEvents({
        db: store.db,
        log,
        clock,
        retentionMs,
        archiveDir,
        instanceId,
      })
      if (range !== undefined) logger.info({ archive: range }, 'audit events archived')
    })
  }

  const loop = new SingletonLoop({
    name: checkpointLoopName,
    holder: instanceId,
    leases,
    intervalMs: Math.min(1000, settings.checkpoint_interval_ms),
    leaseTtlMs: config.jobs.lease_ttl_ms,
    logger,
    tick: async () => {
      await makeCheckpoints(false)
      await housekeep()
    },
  })

  const witnessUrl = settings.witness_url
  if (witnessUrl !== undefined) {
    worker.handle(WITNESS_JOB, (payload) => deliverToWitness(store.db, witnessUrl, payload))
  }

  const now = () => new Date(clock.now())
  const events: AuditEvents = {
    append: (event, transaction) => log.append(event, transaction),
    appendBatch: (batch, transaction) => log.appendBatch(batch, transaction),
    subscribe: (name, handler) => consumers.subscribe(name, handler),
    head: () => log.head(),
    // Another replica holding the lease signs on its own schedule; signing here too would fork
    // the checkpoint chain.
    checkpointNow: async () => {
      const grant = await leases.acquire(checkpointLoopName, instanceId, config.jobs.lease_ttl_ms)
      return grant === undefined ? [] : makeCheckpoints(true)
    },
  }

  return {
    name: 'audit',
    events,
    registerRoutes: (server) =>
      registerAuditRoutes(server, {
        db: store.db,
        log,
        clock,
        tokens,
        ...(guard === undefined ? {} : { guard }),
        ingestKeyTtlMs: settings.ingest_key_ttl_ms,
      }),
    start: async () => {
      const loaded = await loadActiveSigningKey(store.db, deps.masterKey.key, clock)
      signingKey = loaded.key
      await log.appendBatch([
        ...(startup === undefined ? [] : startupEvents(startup, now(), instanceId)),
        ...(loaded.generated
          ? [signingKeyGeneratedEvent(loaded.key.keyId, now(), instanceId)]
          : []),
        startedEvent(startup?.version ?? 'unknown', now(), instanceId),
      ])
      loop.start()
      consumers.start()
    },
    stop: async () => {
      await consumers.stop()
      await loop.stop()
      if (signingKey === undefined) return
      await log.append(stoppedEvent(now(), instanceId))
      // A clean stop leaves the whole log under a signed checkpoint.
      if (
        (await leases.acquire(checkpointLoopName, instanceId, config.jobs.lease_ttl_ms)) !==
        undefined
      ) {
        await makeCheckpoints(true)
        await leases.release(checkpointLoopName, instanceId)
      }
    },
  }
}
