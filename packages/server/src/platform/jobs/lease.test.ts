import { afterEach, expect, it } from 'vitest'
import { captureLog } from '../../test-support/log-capture.js'
import { describeEachDialect } from '../../test-support/stores.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { createTestDatabase } from '../../test-support/stores.js'
import { ManualClock } from '../clock.js'
import { Leases } from './lease.js'
import { SingletonLoop } from './singleton-loop.js'

describeEachDialect('leases', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(() => database?.dispose())

  it('lets one holder at a time hold a lease and renew it', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const clock = new ManualClock()
    const leases = new Leases(store.db, clock)

    const first = await leases.acquire('rules', 'a', 1000)
    expect(first).toMatchObject({ holder: 'a', epoch: 1, expiresAt: clock.now() + 1000 })
    expect(await leases.acquire('rules', 'b', 1000)).toBeUndefined()

    clock.advance(600)
    expect(await leases.acquire('rules', 'a', 1000)).toMatchObject({ holder: 'a', epoch: 1 })
    clock.advance(600)
    expect(await leases.acquire('rules', 'b', 1000)).toBeUndefined()
  })

  it("hands a crashed holder's lease to another process once it expires", async () => {
    database = await createTestDatabase(dialect)
    const clock = new ManualClock()
    const crashed = new Leases((await database.open()).db, clock)
    const survivor = new Leases((await database.open()).db, clock)

    expect(await crashed.acquire('scrape', 'crashed', 500)).toBeDefined()
    clock.advance(499)
    expect(await survivor.acquire('scrape', 'survivor', 500)).toBeUndefined()
    clock.advance(2)
    const taken = await survivor.acquire('scrape', 'survivor', 500)
    expect(taken).toMatchObject({ holder: 'survivor', epoch: 2 })
    expect(await crashed.acquire('scrape', 'crashed', 500)).toBeUndefined()
  })

  it('releases on stop so the next holder need not wait, keeping the epoch rising', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const clock = new ManualClock()
    const leases = new Leases(store.db, clock)
    const ticks: number[] = []
    const loop = new SingletonLoop({
      name: 'checkpoint',
      holder: 'a',
      leases,
      intervalMs: 100,
      leaseTtlMs: 1000,
      logger: captureLog().logger,
      tick: (grant) => {
        ticks.push(grant.epoch)
        return Promise.resolve()
      },
    })

    expect(await loop.runOnce()).toBe(true)
    await loop.stop()
    expect(await leases.current('checkpoint')).toBeUndefined()
    expect(await leases.acquire('checkpoint', 'b', 1000)).toMatchObject({ epoch: 2 })
    expect(await loop.runOnce()).toBe(false)
    expect(ticks).toEqual([1])
  })
})
