/**
 * Recorded events for tests and benchmarks: deterministic, realistic in size (~500 bytes).
 */
import type { RecordedAuditEvent } from './event.js'

const BASE_MS = Date.parse('2024-05-01T00:00:00.000Z')

/** Event `seq` of a deterministic log; the same seq always gives the same event. */
export function makeTestEvent(seq: number): RecordedAuditEvent {
  const failed = seq % 7 === 0
  const at = new Date(BASE_MS + seq * 10).toISOString()
  return {
    id: `018f3c4e-7a00-7${hex(seq >> 12, 3)}-8${hex(seq, 3)}-${hex(seq, 12)}`,
    seq,
    type: failed ? 'auth.login.failed' : 'auth.login.succeeded',
    occurredAt: at,
    recordedAt: at,
    tenant: 'default',
    actor: { type: 'user', id: `user-${seq % 97}`, name: 'Ada Lovelace', authMethod: 'password' },
    source: { ip: `10.0.${(seq >> 8) & 255}.${seq & 255}`, userAgent: 'Mozilla/5.0 (X11; Linux)' },
    target: { type: 'session', id: `session-${seq}` },
    action: 'login',
    outcome: failed ? { status: 'failure', reason: 'bad password' } : { status: 'success' },
    severity: failed ? 'medium' : 'info',
    dataClasses: ['pii'],
    requestId: `req-${seq}`,
    traceId: hex(seq, 32),
    fields: { attempt: seq % 5, mfa: seq % 2 === 0, client: { name: 'console', version: '1.2.3' } },
  }
}

function hex(value: number, width: number): string {
  return (value % 16 ** Math.min(width, 12)).toString(16).padStart(width, '0')
}
