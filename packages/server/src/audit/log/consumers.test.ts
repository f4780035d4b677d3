import { Registry } from 'prom-client'
import { afterEach, expect, it } from 'vitest'

import { captureLog } from '../../test-support/log-capture.js'
import { describeEachDialect, createTestDatabase } from '../../test-support/stores.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { Leases } from '../../platform/jobs/lease.js'
import type { Store } from '../../store/database.js'
import { consumerBackoffMs, Consumers } from './consumers.js'
import { createLogFixture, sampleEvent } from './fixture.js'
import type { LogFixture } from './fixture.js'

function consumersFor(store: Store, fixture: LogFixture, registry = new Registry()): Consumers {
  return new Consumers({
    db: store.db,
    log: fixture.log,
    clock: fixture.clock,
    leases: new Leases(store.db, fixture.clock),
    logger: captureLog().logger,
    holder: 'test',
    pollIntervalMs: 10,
    leaseTtlMs: 60_000,
    registry,
  })
}

it('backs off exponentially up to a minute', () => {
  expect([1, 2, 3, 20].map(consumerBackoffMs)).toEqual([100, 200, 400, 60_000])
})

describeEachDialect('durable audit consumers', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(() => database?.dispose())

  it('delivers in seq order, retries a failing handler and resumes after a restart', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const fixture = createLogFixture(store)
    await fixture.log.appendBatch([1, 2, 3, 4].map((n) => sampleEvent(n)))

    const seen: number[] = []
    let failOnce = true
    const registry = new Registry()
    const subscription = consumersFor(store, fixture, registry).subscribe('detection', (event) => {
      if (event.seq === 3 && failOnce) {
        failOnce = false
        return Promise.reject(new Error('detector not ready'))
      }
      seen.push(event.seq)
      return Promise.resolve()
    })

    expect(await subscription.runOnce()).toBe(2)
    expect(await subscription.runOnce()).toBe(0) // Backing off: the clock has not moved.
    const lag = await registry.getSingleMetricAsString('rampart_event_consumer_lag')
    expect(lag).toContain('rampart_event_consumer_lag{consumer="detection"} 2')

    fixture.clock.advance(consumerBackoffMs(1))
    expect(await subscription.runOnce()).toBe(2)
    expect(seen).toEqual([1, 2, 3, 4])
    await subscription.stop()

    // A new process (new loop, same database) picks up from the stored cursor.
    await fixture.log.appendBatch([sampleEvent(5)])
    const after: number[] = []
    const resumed = consumersFor(store, fixture).subscribe('detection', (event) => {
      after.push(event.seq)
      return Promise.resolve()
    })
    expect(await resumed.runOnce()).toBe(1)
    expect(after).toEqual([5])
    await resumed.stop()
  })

  it('starts a consumer created after archiving where the stored log begins', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const fixture = createLogFixture(store)
    await fixture.log.appendBatch(Array.from({ length: 25 }, (_, n) => sampleEvent(n + 1)))
    // What retention leaves behind: the prefix up to a checkpoint is gone from the table.
    await store.db.deleteFrom('audit_events').where('seq', '<=', 10).execute()

    const seen: number[] = []
    const late = consumersFor(store, fixture).subscribe('late', (event) => {
      seen.push(event.seq)
      return Promise.resolve()
    })
    expect(await late.runOnce()).toBe(15)
    expect(seen).toEqual(Array.from({ length: 15 }, (_, n) => n + 11))
    await late.stop()
  })

  it('delivers in the background once started, woken by appends', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const fixture = createLogFixture(store)
    const consumers = consumersFor(store, fixture)
    const seen: number[] = []
    consumers.subscribe('metrics', (event) => {
      seen.push(event.seq)
      return Promise.resolve()
    })
    consumers.start()

    await fixture.log.appendBatch([1, 2, 3].map((n) => sampleEvent(n)))
    await expect.poll(() => seen, { timeout: 5000 }).toEqual([1, 2, 3])
    await consumers.stop()
  })
})
