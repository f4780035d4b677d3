import { afterEach, expect, it } from 'vitest'
import { describeEachDialect } from '../../test-support/stores.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { createTestDatabase } from '../../test-support/stores.js'
import { captureLog } from '../../test-support/log-capture.js'
import { ManualClock } from '../clock.js'
import { backoffMs, JobQueue } from './job-queue.js'
import { JobWorker } from './job-worker.js'

function workerFor(queue: JobQueue, workerId: string, batchSize = 10): JobWorker {
  return new JobWorker({
    queue,
    workerId,
    logger: captureLog().logger,
    pollIntervalMs: 10,
    claimTimeoutMs: 60_000,
    batchSize,
  })
}

it('backs off exponentially with jitter, capped', () => {
  expect(backoffMs(1, () => 0)).toBe(500)
  expect(backoffMs(1, () => 1)).toBe(1000)
  expect(backoffMs(4, () => 1)).toBe(8000)
  expect(backoffMs(40, () => 1)).toBe(15 * 60_000)
})

describeEachDialect('durable jobs', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(() => database?.dispose())

  it('runs a due job once and marks it done', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const clock = new ManualClock()
    const queue = new JobQueue(store.db, store.dialect, clock)
    const seen: unknown[] = []
    const worker = workerFor(queue, 'w1')
    worker.handle('greet', (payload) => {
      seen.push(payload)
      return Promise.resolve()
    })

    const id = await queue.enqueue('greet', { name: 'ada' })
    const future = await queue.enqueue('greet', { name: 'later' }, { dueAt: clock.now() + 5000 })
    expect(await worker.runDue()).toEqual([{ id, kind: 'greet', outcome: 'done' }])
    expect(await worker.runDue()).toEqual([])
    expect(seen).toEqual([{ name: 'ada' }])
    expect((await queue.get(id as string))?.status).toBe('done')
    expect((await queue.get(future as string))?.status).toBe('pending')
  })

  it('retries a failing job with backoff and fails it for good at the limit', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const clock = new ManualClock()
    const queue = new JobQueue(store.db, store.dialect, clock)
    const worker = workerFor(queue, 'w1')
    worker.handle('flaky', () => Promise.reject(new Error('webhook answered 502')))

    const id = (await queue.enqueue('flaky', {}, { maxAttempts: 2 })) as string
    expect((await worker.runDue())[0]).toMatchObject({
      outcome: 'retry',
      error: 'webhook answered 502',
    })
    expect(await worker.runDue()).toEqual([])

    const retry = await queue.get(id)
    expect(retry).toMatchObject({
      status: 'pending',
      attempts: 1,
      last_error: 'webhook answered 502',
    })
    clock.set(retry?.due_at ?? 0)
    expect((await worker.runDue())[0]).toMatchObject({ outcome: 'failed' })
    expect(await queue.get(id)).toMatchObject({ status: 'failed', attempts: 2 })
  })

  it('enqueues a deduplicated job once while it is pending', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const queue = new JobQueue(store.db, store.dialect, new ManualClock())
    const first = await queue.enqueue('checkpoint', {}, { dedupKey: 'checkpoint' })
    const second = await queue.enqueue('checkpoint', {}, { dedupKey: 'checkpoint' })
    expect(first).toBeDefined()
    expect(second).toBeUndefined()

    const worker = workerFor(queue, 'w1')
    worker.handle('checkpoint', () => Promise.resolve())
    await worker.runDue()
    expect(await queue.enqueue('checkpoint', {}, { dedupKey: 'checkpoint' })).toBeDefined()
  })

  it('runs a job that fell due while the process was down after a restart', async () => {
    database = await createTestDatabase(dialect)
    const before = await database.open()
    const clock = new ManualClock()
    const id = await new JobQueue(before.db, before.dialect, clock).enqueue(
      'escalate',
      { incident: 7 },
      { dueAt: clock.now() + 60_000 },
    )
    await before.close()

    clock.advance(120_000)
    const after = await database.open()
    const worker = workerFor(new JobQueue(after.db, after.dialect, clock), 'w-restarted')
    const ran: unknown[] = []
    worker.handle('escalate', (payload) => {
      ran.push(payload)
      return Promise.resolve()
    })
    expect(await worker.runDue()).toEqual([{ id, kind: 'escalate', outcome: 'done' }])
    expect(ran).toEqual([{ incident: 7 }])
  })

  it('gives a job whose worker died to another worker after the claim times out', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const clock = new ManualClock()
    const queue = new JobQueue(store.db, store.dialect, clock)
    const id = await queue.enqueue('report', {})

    const claimed = await queue.claimDue({
      workerId: 'dead',
      kinds: ['report'],
      limit: 5,
      claimTimeoutMs: 1000,
    })
    expect(claimed.map((job) => job.id)).toEqual([id])
    const other = { workerId: 'alive', kinds: ['report'], limit: 5, claimTimeoutMs: 1000 }
    expect(await queue.claimDue(other)).toEqual([])

    clock.advance(1001)
    const retaken = await queue.claimDue(other)
    expect(retaken.map((job) => [job.id, job.claimed_by, job.attempts])).toEqual([[id, 'alive', 2]])
    expect(await queue.complete(claimed[0]!, 'dead')).toBe(false)
    expect(await queue.complete(retaken[0]!, 'alive')).toBe(true)
  })

  it('never gives the same job to two concurrent workers', async () => {
    database = await createTestDatabase(dialect)
    // Two stores are two separate connection pools, as two processes would have.
    const stores = [await database.open(), await database.open()]
    const clock = new ManualClock()
    const queues = stores.map((store) => new JobQueue(store.db, store.dialect, clock))
    const total = 120
    for (let index = 0; index < total; index++) await queues[0]!.enqueue('work', { index })

    const runs: string[] = []
    const workers = queues.map((queue, index) => {
      const worker = workerFor(queue, `w${index}`, 7)
      worker.handle('work', async (_payload, job) => {
        runs.push(job.id)
        await new Promise((resolve) => setTimeout(resolve, 1))
      })
      return worker
    })

    for (;;) {
      const batches = await Promise.all([
        ...workers.map((worker) => worker.runDue()),
        ...workers.map((worker) => worker.runDue()),
      ])
      if (batches.every((batch) => batch.length === 0)) break
    }
    expect(runs).toHaveLength(total)
    expect(new Set(runs).size).toBe(total)
  })
})
