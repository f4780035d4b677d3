import { randomBytes } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, expect, it } from 'vitest'

import { describeEachDialect, createTestDatabase } from '../../test-support/stores.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { ManualClock } from '../../platform/clock.js'
import type { Store } from '../../store/database.js'
import { runVerify } from '../cli/verify-command.js'
import { createDueCheckpoints } from './checkpointer.js'
import { archiveExpiredEvents } from './archive.js'
import { archivedThrough } from './archive-boundary.js'
import { verifyDatabase } from './database-verify.js'
import { EventLog } from './event-log.js'
import { sampleEvent } from './fixture.js'
import { proveConsistency, proveInclusion } from './proofs.js'
import { verifyInclusion, verifyConsistency } from '../merkle-proofs.js'
import { loadActiveSigningKey } from './signing-keys.js'

const day = 24 * 3_600_000

/** A log with a stored signing key, so archives verify with the keys the database publishes. */
async function storedLog(store: Store) {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'))
  const { key } = await loadActiveSigningKey(store.db, randomBytes(32), clock)
  const log = new EventLog({
    db: store.db,
    dialect: store.dialect,
    clock,
    maxFutureSkewMs: day,
    sqlite: store.sqlite,
  })
  const checkpoint = () =>
    createDueCheckpoints(
      { db: store.db, clock, key: () => key, everyEvents: 10, intervalMs: 1000 },
      true,
    )
  return { clock, log, checkpoint }
}

describeEachDialect('audit retention', (dialect) => {
  let database: TestDatabase | undefined
  let archiveDir: string | undefined
  afterEach(async () => {
    await database?.dispose()
    if (archiveDir !== undefined) await rm(archiveDir, { recursive: true, force: true })
  })

  it('archives checkpointed ranges past retention; the rest stays verifiable', async () => {
    database = await createTestDatabase(dialect)
    archiveDir = await mkdtemp(join(tmpdir(), 'rampart-archive-'))
    const store = await database.open()
    const { clock, log, checkpoint } = await storedLog(store)
    const archive = (retentionMs = 10 * day) =>
      archiveExpiredEvents({
        db: store.db,
        log,
        clock,
        retentionMs,
        archiveDir: archiveDir as string,
        instanceId: 'test',
      })

    // Day 0: 25 events (checkpoints at 10, 20, 25). Day 20: 15 more.
    for (let n = 1; n <= 25; n++) await log.append(sampleEvent(n, '2026-01-01T00:00:00.000Z'))
    await checkpoint()
    clock.advance(20 * day)
    for (let n = 26; n <= 40; n++) await log.append(sampleEvent(n, '2026-01-21T00:00:00.000Z'))
    await checkpoint()

    expect(await archive(30 * day)).toBeUndefined()
    const first = await archive()
    expect(first).toMatchObject({ fromSeq: 1, toSeq: 25 })

    // The archive verifies offline with the published key and no database.
    const offline = await runVerify({ export: first?.file })
    expect(offline.exitCode).toBe(0)
    expect(offline.stdout.join('')).toContain('25 events verified up to seq 25')

    // The database holds 26..40 plus the archive event, and verifies from the archive.
    const rows = await store.db.selectFrom('audit_events').select('seq').orderBy('seq').execute()
    expect(rows[0]?.seq).toBe(26)
    expect(rows.at(-1)?.seq).toBe(41)
    expect(await archivedThrough(store.db)).toBe(25)
    await checkpoint()
    const report = await verifyDatabase(store.db)
    expect(report).toMatchObject({ ok: true, eventsVerified: 16, lastVerifiedSeq: 41 })

    // Proofs about the remaining events still work; archived ones are refused.
    const inclusion = await proveInclusion(store.db, 30)
    expect(
      verifyInclusion(
        Buffer.from(inclusion.leafHash, 'hex'),
        inclusion.leafIndex,
        inclusion.treeSize,
        inclusion.inclusionPath.map((hash) => Buffer.from(hash, 'hex')),
        Buffer.from(inclusion.rootHash, 'hex'),
      ).valid,
    ).toBe(true)
    const consistency = await proveConsistency(store.db, 25, 41)
    expect(
      verifyConsistency(
        25,
        41,
        Buffer.from(consistency.fromRootHash, 'hex'),
        Buffer.from(consistency.toRootHash, 'hex'),
        consistency.consistencyPath.map((hash) => Buffer.from(hash, 'hex')),
      ).valid,
    ).toBe(true)
    for (let seq = 26; seq <= 41; seq++) {
      const proof = await proveInclusion(store.db, seq)
      const path = proof.inclusionPath.map((hash) => Buffer.from(hash, 'hex'))
      const leaf = Buffer.from(proof.leafHash, 'hex')
      const root = Buffer.from(proof.rootHash, 'hex')
      expect(verifyInclusion(leaf, seq - 1, 41, path, root).valid, `seq ${seq}`).toBe(true)
    }
    for (let from = 25; from <= 41; from++) {
      const proof = await proveConsistency(store.db, from, 41)
      const check = verifyConsistency(
        from,
        41,
        Buffer.from(proof.fromRootHash, 'hex'),
        Buffer.from(proof.toRootHash, 'hex'),
        proof.consistencyPath.map((hash) => Buffer.from(hash, 'hex')),
      )
      expect(check.valid, `from ${from}`).toBe(true)
    }
    await expect(proveInclusion(store.db, 10)).rejects.toMatchObject({
      code: 'audit_range_archived',
    })

    // A second range continues from the first archive's checkpoint.
    clock.advance(20 * day)
    await log.append(sampleEvent(50))
    await checkpoint()
    const second = await archive()
    expect(second).toMatchObject({ fromSeq: 26, toSeq: 41 })
    expect((await runVerify({ export: second?.file })).exitCode).toBe(0)
    expect(await verifyDatabase(store.db)).toMatchObject({ ok: true })
    expect((await readdir(archiveDir)).sort()).toEqual([
      'audit-000000000001-000000000025.jsonl',
      'audit-000000000026-000000000041.jsonl',
    ])
  })

  it('reports a prefix deleted without an archive event as missing', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const { log, checkpoint } = await storedLog(store)
    for (let n = 1; n <= 20; n++) await log.append(sampleEvent(n))
    await checkpoint()

    await store.db.deleteFrom('audit_events').where('seq', '<=', 10).execute()

    expect(await archivedThrough(store.db)).toBe(0)
    const report = await verifyDatabase(store.db)
    expect(report.ok).toBe(false)
    expect(report.failure).toMatchObject({ seq: 1, kind: 'missing' })
  })

  it('keeps events a durable consumer has not processed yet', async () => {
    database = await createTestDatabase(dialect)
    archiveDir = await mkdtemp(join(tmpdir(), 'rampart-archive-'))
    const store = await database.open()
    const { clock, log, checkpoint } = await storedLog(store)
    for (let n = 1; n <= 30; n++) await log.append(sampleEvent(n))
    await checkpoint()
    await store.db
      .insertInto('audit_consumers')
      .values({ name: 'slow', position: 15, attempts: 0, last_error: null, updated_at: 0 })
      .execute()
    clock.advance(30 * day)

    const range = await archiveExpiredEvents({
      db: store.db,
      log,
      clock,
      retentionMs: day,
      archiveDir,
      instanceId: 'test',
    })
    expect(range).toMatchObject({ fromSeq: 1, toSeq: 10 })
  })

  it('deletes nothing when the written archive does not verify', async () => {
    database = await createTestDatabase(dialect)
    archiveDir = await mkdtemp(join(tmpdir(), 'rampart-archive-'))
    const store = await database.open()
    const { clock, log, checkpoint } = await storedLog(store)
    for (let n = 1; n <= 10; n++) await log.append(sampleEvent(n))
    await checkpoint()
    // Tamper with a stored row: the archive written from it cannot verify.
    await store.db
      .updateTable('audit_events')
      .set({ body: '{"tampered":true}' })
      .where('seq', '=', 4)
      .execute()
    clock.advance(30 * day)

    await expect(
      archiveExpiredEvents({
        db: store.db,
        log,
        clock,
        retentionMs: day,
        archiveDir,
        instanceId: 'test',
      }),
    ).rejects.toThrow(/does not verify, nothing deleted/)
    const count = await store.db
      .selectFrom('audit_events')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow()
    expect(Number(count.n)).toBe(10)
  })
})
