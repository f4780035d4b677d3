import { afterEach, expect, it } from 'vitest'

import { describeEachDialect, createTestDatabase } from '../../test-support/stores.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { RampartError } from '../../platform/errors.js'
import { GENESIS_HASH } from '../hashing.js'
import { verifyDatabase } from './database-verify.js'
import { createLogFixture, sampleEvent } from './fixture.js'

describeEachDialect('audit event log', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(() => database?.dispose())

  it('chains appended events with gap-free seqs from the genesis hash', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const { log } = createLogFixture(store)

    const first = await log.append(sampleEvent(1))
    const batch = await log.appendBatch([sampleEvent(2), sampleEvent(3)])

    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH })
    expect(batch.map((event) => event.seq)).toEqual([2, 3])
    expect(batch[0]?.prevHash).toBe(first.hash)
    expect(await log.head()).toEqual({ seq: 3, hash: batch[1]?.hash })
    expect((await verifyDatabase(store.db, { publicKeys: [] })).ok).toBe(true)
  })

  it('commits the event with the change and rolls both back together', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const { log } = createLogFixture(store)

    await store.db.transaction().execute(async (tx) => {
      await tx.insertInto('meta').values({ key: 'committed', value: '1' }).execute()
      await log.append(sampleEvent(1), tx)
    })
    const failed = store.db.transaction().execute(async (tx) => {
      await tx.insertInto('meta').values({ key: 'rolled-back', value: '1' }).execute()
      await log.append(sampleEvent(2), tx)
      throw new Error('the change failed after its event was appended')
    })
    await expect(failed).rejects.toThrow('the change failed')
    await log.append(sampleEvent(3))

    const keys = await store.db.selectFrom('meta').select('key').execute()
    expect(keys.map((row) => row.key)).toContain('committed')
    expect(keys.map((row) => row.key)).not.toContain('rolled-back')
    const events = await store.db
      .selectFrom('audit_events')
      .select(['seq', 'request_id'])
      .orderBy('seq')
      .execute()
    expect(events).toEqual([
      { seq: 1, request_id: 'req-1' },
      { seq: 2, request_id: 'req-3' },
    ])
    expect((await verifyDatabase(store.db, { publicKeys: [] })).ok).toBe(true)
  })

  it('keeps the chain whole under concurrent writers', async () => {
    database = await createTestDatabase(dialect)
    // better-sqlite3 blocks the event loop while it waits for a lock, so two SQLite
    // connections in one process would deadlock; SQLite is one process per file anyway.
    const first = await database.open()
    const stores = [first, dialect === 'postgres' ? await database.open() : first]
    const logs = stores.map((store) => createLogFixture(store).log)

    await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        logs[index % 2]!.appendBatch([sampleEvent(index), sampleEvent(index + 100)]),
      ),
    )

    expect(await logs[0]!.head()).toMatchObject({ seq: 80 })
    const report = await verifyDatabase(stores[0]!.db, { publicKeys: [] })
    expect(report).toMatchObject({ ok: true, eventsVerified: 80 })
  })

  it('rolls a large batch back whole when one of its insert statements fails', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const { log } = createLogFixture(store)
    const first = await log.append(sampleEvent(1))

    // 1,200 events span several insert statements; the last one reuses a recorded id.
    const batch = Array.from({ length: 1200 }, (_, index) => sampleEvent(index + 2))
    batch[1199] = { ...sampleEvent(1201), id: first.id }
    const error = await log.appendBatch(batch).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(Error)
    expect(String((error as Error).message)).toBe('inserting audit events failed')
    expect((error as Error).cause).toBeInstanceOf(Error)
    expect(await log.head()).toEqual({ seq: 1, hash: first.hash })
    const count = await store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('rows'))
      .executeTakeFirstOrThrow()
    expect(Number(count.rows)).toBe(1)

    await log.appendBatch(batch.slice(0, 1199))
    const report = await verifyDatabase(store.db, { publicKeys: [] })
    expect(report).toMatchObject({ ok: true, eventsVerified: 1200 })
  })

  it('leaves nothing behind when an append fails between two insert statements', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const { log } = createLogFixture(store)

    // Two statements are on their way when event 501 (not valid JSON) fails to encode.
    const inputs = Array.from({ length: 800 }, (_, index) => sampleEvent(index + 1))
    inputs[500] = { ...sampleEvent(501), fields: { ratio: Number.NaN } }
    const failed = store.db.transaction().execute((tx) => log.appendValidated(tx, inputs))

    await expect(failed).rejects.toMatchObject({ code: 'AUDIT_CANONICAL_JSON_INVALID' })
    const count = await store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('rows'))
      .executeTakeFirstOrThrow()
    expect(Number(count.rows)).toBe(0)
    expect(await log.head()).toEqual({ seq: 0, hash: GENESIS_HASH })
  })

  it('rejects an invalid event with every bad field named', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const { log } = createLogFixture(store)

    const bad = { ...sampleEvent(1), type: 'Login', extra: true }
    const error = await log.append(bad as never).catch((caught: unknown) => caught)

    expect(error).toBeInstanceOf(RampartError)
    expect(error).toMatchObject({ code: 'audit_event_invalid' })
    expect((error as RampartError).errors?.map((item) => item.field)).toEqual([
      'events[0].type',
      'events[0].extra',
    ])
    expect(await log.head()).toEqual({ seq: 0, hash: GENESIS_HASH })
  })
})
