import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

import { afterEach, expect, it } from 'vitest'

import { createTestApp } from '../test-support/test-app.js'
import type { TestApp } from '../test-support/test-app.js'
import { describeEachDialect } from '../test-support/stores.js'
import { runVerify } from './cli/verify-command.js'
import { verifyDatabase } from './log/database-verify.js'
import { sampleEvent } from './log/fixture.js'

// The retention wiring end to end: the lease holder enqueues the durable job, a worker runs it.
describeEachDialect('audit retention in the running platform', (dialect) => {
  let harness: TestApp | undefined
  afterEach(() => harness?.dispose())

  it('archives past retention through the job queue and keeps the log verifiable', async () => {
    harness = await createTestApp(dialect, {
      audit: { retention_ms: 1, archive_interval_ms: 200, checkpoint_interval_ms: 200 },
      jobs: { poll_interval_ms: 100 },
    })
    const { app } = harness
    await app.start()
    await app.events.appendBatch([1, 2, 3].map((n) => sampleEvent(n, new Date().toISOString())))
    await app.events.checkpointNow()

    const archiveDir = join(harness.database.dataDir, 'audit-archive')
    const files = async () =>
      (await readdir(archiveDir).catch(() => [])).filter((name) => name.endsWith('.jsonl')).sort()
    await expect.poll(files, { timeout: 10_000, interval: 100 }).not.toEqual([])

    // Stopped, so no further archive runs while the database is checked.
    await app.stop()
    const [first] = await files()
    const verified = await runVerify({ export: join(archiveDir, first as string) })
    expect(verified, JSON.stringify(verified)).toMatchObject({ exitCode: 0 })
    const store = await harness.database.open()
    const types = await store.db.selectFrom('audit_events').select('type').execute()
    expect(types.map((row) => row.type)).toContain('audit.log.archived')
    expect(await verifyDatabase(store.db)).toMatchObject({ ok: true })
  })
})
