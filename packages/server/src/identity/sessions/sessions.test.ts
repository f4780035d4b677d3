import { afterAll, beforeAll, expect, it } from 'vitest'

import type { AuditEventInput } from '../../audit/event.js'
import type { AuditEvents } from '../../audit/module.js'
import { ManualClock } from '../../platform/clock.js'
import { createLogger } from '../../platform/logger.js'
import type { TestDatabase } from '../../test-support/stores.js'
import { createTestDatabase, describeEachDialect } from '../../test-support/stores.js'
import { IdentityAudit } from '../audit-events.js'
import { identityDb } from '../store/tables.js'
import { Sessions } from './sessions.js'

/** Collects events instead of chaining them: this suite is about session timing. */
function recordingEvents(types: string[]): AuditEvents {
  return {
    append: (event: AuditEventInput) => {
      types.push(event.type)
      return Promise.resolve({} as never)
    },
  } as unknown as AuditEvents
}

describeEachDialect('first-party sessions', (dialect) => {
  let database: TestDatabase
  let sessions: Sessions
  const clock = new ManualClock()
  const types: string[] = []

  beforeAll(async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const audit = new IdentityAudit(
      recordingEvents(types),
      clock,
      createLogger({ level: 'silent' }),
    )
    sessions = new Sessions(
      identityDb(store.db),
      clock,
      { idleMs: 30 * 60_000, absoluteMs: 12 * 3_600_000 },
      audit,
    )
  })

  afterAll(async () => {
    await database?.dispose()
  })

  it('ends a session left idle for 30 minutes', async () => {
    const { cookie } = await sessions.create('user-1', ['pwd'], {})
    clock.advance(29 * 60_000)
    expect(await sessions.resolve(cookie)).toMatchObject({ userId: 'user-1' })
    clock.advance(29 * 60_000)
    expect(await sessions.resolve(cookie)).toMatchObject({ userId: 'user-1' })
    clock.advance(30 * 60_000)
    expect(await sessions.resolve(cookie)).toBeUndefined()
  })

  it('ends a session 12 hours after sign-in however busy', async () => {
    const { cookie } = await sessions.create('user-2', ['pwd'], {})
    for (let step = 0; step < 24; step += 1) {
      clock.advance(29 * 60_000)
      await sessions.resolve(cookie)
    }
    clock.advance(25 * 60_000)
    expect(await sessions.resolve(cookie)).toBeUndefined()
    expect(types).toContain('auth.session.created')
  })

  it('stores only the hash of the session id and finds nothing by the hash', async () => {
    const { cookie, handle } = await sessions.create('user-3', ['pwd', 'otp'], {})
    expect(handle).not.toBe(cookie)
    expect(await sessions.resolve(handle)).toBeUndefined()
    expect(await sessions.revoke('user-3', handle, {})).toBe(true)
    expect(await sessions.resolve(cookie)).toBeUndefined()
  })
})
