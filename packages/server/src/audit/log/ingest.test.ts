import { afterEach, expect, it } from 'vitest'

import { describeEachDialect, createTestDatabase } from '../../test-support/stores.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { createLogFixture, sampleEvent } from './fixture.js'
import { ingestBatch, purgeExpiredIngestKeys } from './ingest.js'

const hour = 3_600_000

describeEachDialect('audit ingestion keys', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(() => database?.dispose())

  async function setUp() {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const fixture = createLogFixture(store)
    const at = new Date(fixture.clock.now()).toISOString()
    const event = (n: number, tenant: string) => ({ ...sampleEvent(n, at), tenant })
    const ingest = (items: { idempotencyKey: string; event: unknown }[], ttlMs = 24 * hour) =>
      ingestBatch(store.db, fixture.log, items, fixture.clock.now(), ttlMs)
    return { store, fixture, event, ingest }
  }

  it('scopes a key to the tenant of its event', async () => {
    const { event, ingest } = await setUp()

    const first = await ingest([
      { idempotencyKey: 'k', event: event(1, 'acme') },
      { idempotencyKey: 'k', event: event(2, 'globex') },
      { idempotencyKey: 'k', event: event(3, 'acme') },
    ])
    expect(first.map((result) => result.status)).toEqual(['accepted', 'accepted', 'duplicate'])
    expect(first[2]).toEqual({ status: 'duplicate', seq: (first[0] as { seq: number }).seq })

    const again = await ingest([{ idempotencyKey: 'k', event: event(4, 'globex') }])
    expect(again[0]).toEqual({ status: 'duplicate', seq: (first[1] as { seq: number }).seq })
  })

  it('forgets a key after its time to live', async () => {
    const { store, fixture, event, ingest } = await setUp()
    await ingest([{ idempotencyKey: 'k', event: event(1, 'acme') }], hour)

    fixture.clock.advance(hour / 2)
    expect(
      (await ingest([{ idempotencyKey: 'k', event: event(2, 'acme') }], hour))[0],
    ).toMatchObject({ status: 'duplicate' })

    fixture.clock.advance(hour)
    const later = event(3, 'acme')
    expect((await ingest([{ idempotencyKey: 'k', event: later }], hour))[0]).toMatchObject({
      status: 'accepted',
    })

    fixture.clock.advance(2 * hour)
    expect(await purgeExpiredIngestKeys(store.db, fixture.clock.now(), hour)).toBe(1)
    const left = await store.db.selectFrom('audit_ingest_keys').select('key').execute()
    expect(left).toEqual([])
  })

  it.each(['audit.log.archived', 'platform.started'])(
    'refuses the reserved type %s from a service',
    async (type) => {
      const { event, ingest } = await setUp()
      const [result] = await ingest([{ idempotencyKey: 'k', event: { ...event(1, 'a'), type } }])
      expect(result).toMatchObject({
        status: 'rejected',
        issues: [{ path: 'type', code: 'invalid_value' }],
      })
    },
  )
})
