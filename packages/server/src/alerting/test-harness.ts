/**
 * For tests: the alerting module on a real test database, real metric store, real job
 * queue and a real webhook receiver on loopback, driven by a manual clock. A "crash" drops
 * every object without stopping anything; a restart builds new ones on the same database.
 */
import { mkdtempSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { MetricStore } from '@rampart/promql'
import { openMetricStore } from '@rampart/promql'
import type { AuditEventInput } from '../audit/event.js'
import type { AuditEvents } from '../audit/module.js'
import type { ConfigInput } from '../config/schema.js'
import { configSchema } from '../config/schema.js'
import { ManualClock } from '../platform/clock.js'
import { JobQueue } from '../platform/jobs/job-queue.js'
import { JobWorker } from '../platform/jobs/job-worker.js'
import { Leases } from '../platform/jobs/lease.js'
import { SelfMetrics } from '../platform/self-metrics.js'
import type { PlatformDeps } from '../platform/module.js'
import type { Dialect } from '../store/database.js'
import { captureLog } from '../test-support/log-capture.js'
import type { TestDatabase } from '../test-support/stores.js'
import { createTestDatabase } from '../test-support/stores.js'
import type { AlertingModule } from './module.js'
import { createAlertingModule } from './module.js'
import type { WebhookPayload } from './notify/webhook-payload.js'

/** Polls `condition` every 50 ms until it holds; throws naming `what` after `timeoutMs`. */
export async function waitFor(
  condition: () => boolean,
  timeoutMs: number,
  what = 'a condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((done) => setTimeout(done, 50))
  }
}

export interface WebhookReceiver {
  readonly url: string
  readonly received: WebhookPayload[]
  /** Status codes to answer with, in order; 200 once they run out. */
  readonly answers: number[]
  close(): Promise<void>
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: WebhookPayload[] = []
  const answers: number[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const status = answers.shift() ?? 200
      if (status < 300)
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload)
      response.writeHead(status).end()
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    answers,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  }
}

export interface Harness {
  readonly clock: ManualClock
  readonly metrics: MetricStore
  readonly receiver: WebhookReceiver
  readonly events: AuditEventInput[]
  /** Every log line written so far, by every instance, as raw text. */
  logText(): string
  module: AlertingModule
  worker: JobWorker
  /** One loop iteration, then delivery of every due notification. */
  step(): Promise<void>
  /** Drops the running instance without stopping it, and starts a new one. */
  crashAndRestart(): Promise<void>
  dispose(): Promise<void>
}

let instances = 0

export async function createHarness(
  dialect: Dialect,
  rulesYaml: string,
  alerting: (webhookUrl: string) => ConfigInput['alerting'],
  startMs = Date.UTC(2026, 0, 1),
  extraConfig: ConfigInput = {},
): Promise<Harness> {
  const database: TestDatabase = await createTestDatabase(dialect)
  const clock = new ManualClock(startMs)
  const receiver = await startWebhookReceiver()
  const directory = mkdtempSync(join(tmpdir(), 'rampart-alerting-'))
  const rulesFile = join(directory, 'rules.yml')
  writeFileSync(rulesFile, rulesYaml)
  const metrics = openMetricStore({ background: false, now: () => clock.now() })
  const events: AuditEventInput[] = []
  const auditEvents = {
    append: (event: AuditEventInput) => {
      events.push(event)
      return Promise.resolve({} as never)
    },
  } as unknown as AuditEvents
  const config = configSchema.parse({
    ...extraConfig,
    data_dir: database.dataDir,
    jobs: { lease_ttl_ms: 5000 },
    metrics: { api_token: 'metrics-token-0123456789' },
    alerting: {
      rule_files: [rulesFile],
      api_token: 'alerting-token-0123456789',
      ...alerting(receiver.url),
    },
  })

  const logs: (() => string)[] = []
  const build = async (): Promise<{ module: AlertingModule; worker: JobWorker }> => {
    const store = await database.open()
    const captured = captureLog()
    logs.push(captured.text)
    const logger = captured.logger
    const jobs = new JobQueue(store.db, store.dialect, clock)
    const worker = new JobWorker({
      queue: jobs,
      workerId: `worker-${++instances}`,
      logger,
      pollIntervalMs: 1000,
      claimTimeoutMs: 60_000,
    })
    const deps: PlatformDeps = {
      config,
      logger,
      clock,
      store,
      metrics: new SelfMetrics(),
      jobs,
      worker,
      leases: new Leases(store.db, clock),
      masterKey: { key: Buffer.alloc(32), source: 'configured' } as PlatformDeps['masterKey'],
      instanceId: `instance-${instances}`,
    }
    return {
      module: createAlertingModule(deps, { metricStore: metrics, events: auditEvents }),
      worker,
    }
  }

  const first = await build()
  const harness: Harness = {
    clock,
    metrics,
    receiver,
    events,
    logText: () => logs.map((text) => text()).join(''),
    module: first.module,
    worker: first.worker,
    step: async () => {
      await harness.module.runOnce()
      await harness.module.idle()
      for (let round = 0; round < 20; round++) {
        if ((await harness.worker.runDue()).length === 0) break
      }
    },
    crashAndRestart: async () => {
      const next = await build()
      harness.module = next.module
      harness.worker = next.worker
      // The crashed instance still holds the lease until it expires.
      clock.advance(config.jobs.lease_ttl_ms + 1)
    },
    dispose: async () => {
      metrics.close()
      await receiver.close()
      await database.dispose()
    },
  }
  return harness
}
