import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { sql } from 'kysely'
import { afterEach, expect, it } from 'vitest'

import { describeEachDialect, createTestDatabase } from '../../test-support/stores.js'
import type { TestDatabase } from '../../test-support/stores.js'
import type { Store } from '../../store/database.js'
import { exportPublicKey } from '../signing-key.js'
import type { TamperKind } from '../verify-report.js'
import { runExport } from '../cli/export-command.js'
import { runVerify } from '../cli/verify-command.js'
import { verifyDatabase } from './database-verify.js'
import { createLogFixture, sampleEvent } from './fixture.js'
import type { LogFixture } from './fixture.js'

interface TamperCase {
  readonly name: string
  readonly tamper: (store: Store) => Promise<unknown>
  readonly seq: number
  readonly kind: TamperKind
}

const run = (store: Store, text: string) => sql.raw(text).execute(store.db)

/** Twenty-five events with checkpoints at 10, 20 and 25. */
async function seed(store: Store): Promise<LogFixture> {
  const fixture = createLogFixture(store)
  for (let start = 1; start <= 25; start += 5) {
    await fixture.log.appendBatch([0, 1, 2, 3, 4].map((offset) => sampleEvent(start + offset)))
  }
  expect((await fixture.checkpoint(10)).map((checkpoint) => checkpoint.treeSize)).toEqual([
    10, 20, 25,
  ])
  return fixture
}

const cases: TamperCase[] = [
  {
    name: 'an updated filter column',
    tamper: (store) => run(store, `update audit_events set actor_id = 'mallory' where seq = 7`),
    seq: 7,
    kind: 'modified',
  },
  {
    name: 'an updated body',
    tamper: (store) =>
      run(
        store,
        `update audit_events set body = replace(body, 'bad password', 'ok') where seq = 9`,
      ),
    seq: 9,
    kind: 'modified',
  },
  {
    name: 'a deleted row',
    tamper: (store) => run(store, 'delete from audit_events where seq = 12'),
    seq: 12,
    kind: 'missing',
  },
  {
    name: 'a forged row inserted in the middle',
    tamper: async (store) => {
      await run(store, 'update audit_events set seq = seq + 1000000 where seq >= 7')
      await run(store, 'update audit_events set seq = seq - 999999 where seq >= 1000000')
      await run(
        store,
        `insert into audit_events (seq, id, type, tenant, occurred_at, recorded_at, actor_id,
           target_id, outcome, request_id, body, hash, prev_hash)
         select 7, 'forged', type, tenant, occurred_at, recorded_at, 'mallory', target_id,
           outcome, request_id, body, '${'ab'.repeat(32)}', prev_hash
         from audit_events where seq = 8`,
      )
    },
    seq: 7,
    kind: 'inserted',
  },
  {
    name: 'two rows with swapped seqs',
    tamper: async (store) => {
      await run(store, 'update audit_events set seq = -1 where seq = 15')
      await run(store, 'update audit_events set seq = 15 where seq = 16')
      await run(store, 'update audit_events set seq = 16 where seq = -1')
    },
    seq: 15,
    kind: 'reordered',
  },
  {
    name: 'a checkpoint with a forged signature',
    tamper: (store) =>
      run(
        store,
        `update audit_checkpoints set body = replace(body, '"signature":"', '"signature":"AA')
         where tree_size = 20`,
      ),
    seq: 20,
    kind: 'bad_signature',
  },
  {
    name: 'a checkpoint whose root was replaced',
    tamper: async (store) => {
      const row = await store.db
        .selectFrom('audit_checkpoints')
        .select('body')
        .where('tree_size', '=', 10)
        .executeTakeFirstOrThrow()
      const body = { ...(JSON.parse(row.body) as object), rootHash: 'f'.repeat(64) }
      await store.db
        .updateTable('audit_checkpoints')
        .set({ body: JSON.stringify(body) })
        .where('tree_size', '=', 10)
        .execute()
    },
    seq: 10,
    kind: 'checkpoint_mismatch',
  },
]

/** The test database's URL with its schema on the search path, as the CLI would be given. */
function postgresUrlFor(database: TestDatabase): string {
  const options = encodeURIComponent(`-c search_path=${database.schema ?? 'public'}`)
  return `${database.url ?? ''}?options=${options}`
}

describeEachDialect('audit tampering', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(() => database?.dispose())

  it('verifies an untouched log, from the start and from a checkpoint', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const { key } = await seed(store)

    const full = await verifyDatabase(store.db, { publicKeys: [key.publicKey] })
    expect(full).toMatchObject({ ok: true, eventsVerified: 25, checkpointsVerified: 3 })
    const partial = await verifyDatabase(store.db, { publicKeys: [key.publicKey], fromSeq: 15 })
    expect(partial).toMatchObject({ ok: true, eventsVerified: 15, lastVerifiedSeq: 25 })
  })

  it.each(cases)('locates $name as $kind at seq $seq', async ({ tamper, seq, kind }) => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const { key } = await seed(store)
    await tamper(store)

    const report = await verifyDatabase(store.db, { publicKeys: [key.publicKey] })
    expect(report.failure).toMatchObject({ seq, kind })
  })

  it.each(cases.filter((item) => !item.name.includes('checkpoint')))(
    'locates $name in an exported file as $kind at seq $seq',
    async ({ tamper, seq, kind }) => {
      database = await createTestDatabase(dialect)
      const store = await database.open()
      const { key } = await seed(store)
      await tamper(store)
      const url = database.url === undefined ? undefined : postgresUrlFor(database)
      if (url !== undefined) process.env.RAMPART_DATABASE_URL = url

      const out = join(database.dataDir, 'export.jsonl')
      await runExport({ dataDir: database.dataDir, out }).finally(() => {
        delete process.env.RAMPART_DATABASE_URL
      })
      const keyFile = join(database.dataDir, 'audit-key.pem')
      writeFileSync(keyFile, exportPublicKey(key.publicKey).spkiPem)

      const outcome = await runVerify({ export: out, publicKey: keyFile })
      expect(outcome.exitCode).toBe(1)
      expect(outcome.stderr.at(-1)).toContain(`verification failed at seq ${seq}: ${kind}:`)
    },
  )
})
