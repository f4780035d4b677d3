/**
 * A stored audit log for tests: an event log over a test database, a signing key, and a way
 * to sign the due checkpoints. Used by the tests of this folder only.
 */
import type { AuditEventInput } from '../event.js'
import type { AuditSigningKey } from '../signing-key.js'
import { generateSigningKey } from '../signing-key.js'
import type { SignedCheckpoint } from '../checkpoint.js'
import { ManualClock } from '../../platform/clock.js'
import type { Store } from '../../store/database.js'
import { createDueCheckpoints } from './checkpointer.js'
import { EventLog } from './event-log.js'

export interface LogFixture {
  readonly log: EventLog
  readonly clock: ManualClock
  readonly key: AuditSigningKey
  /** Signs checkpoints every `every` events and at the head. */
  checkpoint(every?: number): Promise<SignedCheckpoint[]>
}

export function createLogFixture(store: Store): LogFixture {
  const clock = new ManualClock(Date.parse('2026-01-01T00:00:00.000Z'))
  const key = generateSigningKey()
  const log = new EventLog({
    db: store.db,
    dialect: store.dialect,
    clock,
    maxFutureSkewMs: 60_000,
    sqlite: store.sqlite,
  })
  return {
    log,
    clock,
    key,
    checkpoint: (every = 10) =>
      createDueCheckpoints(
        { db: store.db, clock, key: () => key, everyEvents: every, intervalMs: 1000 },
        true,
      ),
  }
}

/** A valid event input, numbered so tests can tell events apart. */
export function sampleEvent(n: number, at = '2025-12-31T23:59:00.000Z'): AuditEventInput {
  return {
    type: n % 3 === 0 ? 'auth.login.failed' : 'auth.login.succeeded',
    occurredAt: at,
    actor: { type: 'user', id: `user-${n % 4}`, name: 'Ada' },
    target: { type: 'session', id: `session-${n}` },
    action: 'login',
    outcome: n % 3 === 0 ? { status: 'failure', reason: 'bad password' } : { status: 'success' },
    requestId: `req-${n}`,
    fields: { attempt: n },
  }
}
