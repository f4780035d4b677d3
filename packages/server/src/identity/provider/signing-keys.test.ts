import { randomBytes } from 'node:crypto'

import { afterAll, beforeAll, expect, it } from 'vitest'

import { ManualClock } from '../../platform/clock.js'
import type { Store } from '../../store/database.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { createTestDatabase, describeEachDialect } from '../../test-support/stores.js'
import { identityDb } from '../store/tables.js'
import type { IdentityDb } from '../store/tables.js'
import { addSigningKey, listSigningKeys, loadSigningKeys } from './signing-keys.js'

const schedule = { publishBeforeUseMs: 60 * 60_000, keepAfterRetireMs: 15 * 60_000 }

describeEachDialect('identity signing keys', (dialect) => {
  let database: TestDatabase
  let store: Store
  let db: IdentityDb
  const masterKey = randomBytes(32)
  const clock = new ManualClock()

  beforeAll(async () => {
    database = await createTestDatabase(dialect)
    store = await database.open()
    db = identityDb(store.db)
  })

  afterAll(async () => {
    await database?.dispose()
  })

  it('rotates: publishes the next key first, signs with it later, keeps the old one', async () => {
    const [first] = await loadSigningKeys(db, masterKey, clock, schedule)
    expect(first).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })
    expect(typeof first?.d).toBe('string')

    // `rampart keys rotate`: the new key is published at once but does not sign yet.
    const next = await addSigningKey(db, masterKey, clock, 'next')
    let keys = await loadSigningKeys(db, masterKey, clock, schedule)
    expect(keys.map((key) => key.kid)).toEqual([first?.kid, next])

    clock.advance(schedule.publishBeforeUseMs)
    keys = await loadSigningKeys(db, masterKey, clock, schedule)
    expect(keys.map((key) => key.kid)).toEqual([next, first?.kid])
    expect((await listSigningKeys(db)).map((key) => key.status)).toEqual(['active', 'retired'])

    // The retired key stays published until what it signed has expired.
    clock.advance(schedule.keepAfterRetireMs + 1)
    keys = await loadSigningKeys(db, masterKey, clock, schedule)
    expect(keys.map((key) => key.kid)).toEqual([next])
  })

  it('stores private keys sealed, readable only with the master key', async () => {
    const rows = await db.selectFrom('identity_signing_keys').selectAll().execute()
    for (const row of rows) {
      expect(row.sealed_private_key).not.toContain('"d"')
      expect(JSON.parse(row.public_jwk)).not.toHaveProperty('d')
    }
    await expect(loadSigningKeys(db, randomBytes(32), clock, schedule)).rejects.toThrow()
  })
})
