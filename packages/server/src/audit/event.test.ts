import { describe, expect, it } from 'vitest'

import type { AuditEventInput } from './event.js'
import { toRecordedEvent, validateEventInput, validateRecordedEvent } from './event.js'

const NOW = new Date('2024-05-01T12:00:00.000Z')
const now = () => NOW

const minimal: AuditEventInput = {
  type: 'auth.login.failed',
  occurredAt: '2024-05-01T11:59:59.123Z',
  actor: { type: 'anonymous' },
  action: 'login',
  outcome: { status: 'failure', reason: 'bad password' },
}

const full: AuditEventInput = {
  id: '018f3c4e-7a00-7cc1-9b1e-1234567890ab',
  type: 'access.role.granted',
  occurredAt: '2024-05-01T12:00:00.000Z',
  tenant: 'acme',
  actor: { type: 'user', id: 'u1', name: 'Ada', sessionId: 'sh_1', authMethod: 'webauthn' },
  source: { ip: '2001:db8::1', userAgent: 'curl/8.0' },
  target: { type: 'role', id: 'r1', name: 'admin' },
  action: 'grant',
  outcome: { status: 'success' },
  severity: 'high',
  dataClasses: ['pii', 'credentials'],
  requestId: 'req-1',
  traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
  fields: { passwordChanged: true, tokenCount: 2, nested: { list: [1, 'two', null] } },
}

function issuesOf(value: unknown): { path: string; code: string }[] {
  const result = validateEventInput(value, { now })
  if (result.ok) return []
  return result.issues.map(({ path, code }) => ({ path, code }))
}

describe('validateEventInput', () => {
  it.each([
    ['minimal', minimal],
    ['full', full],
    [
      'occurredAt exactly at the skew limit',
      { ...minimal, occurredAt: '2024-05-01T12:05:00.000Z' },
    ],
  ])('accepts a %s event', (_name, event) => {
    const result = validateEventInput(event, { now })

    expect(result).toEqual({ ok: true, event })
  })

  it.each<[string, unknown, { path: string; code: string }[]]>([
    [
      'an unknown top-level field',
      { ...minimal, seq: 3 },
      [{ path: 'seq', code: 'unknown_field' }],
    ],
    [
      'an unknown nested field',
      { ...minimal, actor: { type: 'user', role: 'x' } },
      [{ path: 'actor.role', code: 'unknown_field' }],
    ],
    ['a missing type', { ...minimal, type: undefined }, [{ path: 'type', code: 'required' }]],
    ['a wrong type', { ...minimal, action: 7 }, [{ path: 'action', code: 'invalid_type' }]],
    [
      'a type without namespace',
      { ...minimal, type: 'login' },
      [{ path: 'type', code: 'invalid_format' }],
    ],
    [
      'an uppercase type',
      { ...minimal, type: 'Auth.Login' },
      [{ path: 'type', code: 'invalid_format' }],
    ],
    [
      'a UUIDv4 id',
      { ...minimal, id: '0190a3b4-5c6d-4e8f-9a0b-1c2d3e4f5a6b' },
      [{ path: 'id', code: 'invalid_format' }],
    ],
    [
      'a time without milliseconds',
      { ...minimal, occurredAt: '2024-05-01T12:00:00Z' },
      [{ path: 'occurredAt', code: 'invalid_format' }],
    ],
    [
      'a time with an offset',
      { ...minimal, occurredAt: '2024-05-01T12:00:00.000+02:00' },
      [{ path: 'occurredAt', code: 'invalid_format' }],
    ],
    [
      'an impossible date',
      { ...minimal, occurredAt: '2024-02-30T12:00:00.000Z' },
      [{ path: 'occurredAt', code: 'invalid_format' }],
    ],
    [
      'a time beyond the skew window',
      { ...minimal, occurredAt: '2024-05-01T12:05:00.001Z' },
      [{ path: 'occurredAt', code: 'future_timestamp' }],
    ],
    [
      'a bad outcome status',
      { ...minimal, outcome: { status: 'ok' } },
      [{ path: 'outcome.status', code: 'invalid_value' }],
    ],
    [
      'a bad severity',
      { ...minimal, severity: 'urgent' },
      [{ path: 'severity', code: 'invalid_value' }],
    ],
    [
      'a repeated data class',
      { ...minimal, dataClasses: ['pii', 'pii'] },
      [{ path: 'dataClasses', code: 'invalid_value' }],
    ],
    [
      'an unknown data class',
      { ...minimal, dataClasses: ['secret'] },
      [{ path: 'dataClasses[0]', code: 'invalid_value' }],
    ],
    [
      'a bad IP address',
      { ...minimal, source: { ip: '300.1.1.1' } },
      [{ path: 'source.ip', code: 'invalid_format' }],
    ],
    [
      'an all-zero trace id',
      { ...minimal, traceId: '0'.repeat(32) },
      [{ path: 'traceId', code: 'invalid_format' }],
    ],
    [
      'an over-long request id',
      { ...minimal, requestId: 'r'.repeat(129) },
      [{ path: 'requestId', code: 'too_large' }],
    ],
    ['fields as an array', { ...minimal, fields: [] }, [{ path: 'fields', code: 'invalid_type' }]],
    [
      'a password in fields',
      { ...minimal, fields: { user: 'a', newPassword: 'hunter2' } },
      [{ path: 'fields.newPassword', code: 'secret_field' }],
    ],
    [
      'a nested authorization header',
      { ...minimal, fields: { headers: { Authorization: 'x' } } },
      [{ path: 'fields.headers.Authorization', code: 'secret_field' }],
    ],
    [
      'a bearer token under an innocent key',
      { ...minimal, fields: { note: 'Bearer abc.def' } },
      [{ path: 'fields.note', code: 'secret_field' }],
    ],
    [
      'fields nested too deep',
      { ...minimal, fields: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } } },
      [{ path: 'fields.a.b.c.d.e.f.g.h', code: 'too_deep' }],
    ],
    [
      'too many keys in fields',
      {
        ...minimal,
        fields: Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`k${i}`, i])),
      },
      [{ path: 'fields', code: 'too_many_keys' }],
    ],
    [
      'oversized fields',
      { ...minimal, fields: { blob: 'x'.repeat(16_400) } },
      [{ path: 'fields', code: 'too_large' }],
    ],
  ])('rejects %s', (_name, event, expected) => {
    expect(issuesOf(event)).toEqual(expected)
  })

  it('reports every bad field at once, each with a message', () => {
    const result = validateEventInput({ ...minimal, action: 1, extra: true, actor: {} }, { now })

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.issues.map((issue) => issue.path).sort()).toEqual([
      'action',
      'actor.type',
      'extra',
    ])
    for (const issue of result.issues) expect(issue.message).not.toBe('')
  })

  it('never echoes a secret value in its reasons', () => {
    const result = validateEventInput({ ...minimal, fields: { apiKey: 'sk_live_123' } }, { now })

    expect(JSON.stringify(result)).not.toContain('sk_live_123')
  })

  it('rejects a non-object without throwing', () => {
    expect(issuesOf('nope')).toEqual([{ path: '', code: 'invalid_type' }])
  })

  it('honours a configured skew window and field limits', () => {
    const event = { ...minimal, occurredAt: '2024-05-01T12:00:01.000Z', fields: { a: [[1]] } }
    const result = validateEventInput(event, {
      now,
      maxFutureSkewMs: 500,
      fieldLimits: { maxDepth: 2, maxKeys: 10, maxBytes: 100 },
    })

    expect(result.ok ? [] : result.issues.map((issue) => issue.code)).toEqual([
      'too_deep',
      'future_timestamp',
    ])
  })
})

describe('toRecordedEvent', () => {
  it('fills the log defaults and the context', () => {
    const recorded = toRecordedEvent(minimal, { seq: 7, recordedAt: NOW })

    expect(recorded).toMatchObject({ seq: 7, recordedAt: '2024-05-01T12:00:00.000Z' })
    expect(recorded.tenant).toBe('default')
    expect(recorded.severity).toBe('info')
    expect(recorded.id).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(validateRecordedEvent(recorded)).toEqual({ ok: true, event: recorded })
  })

  it('keeps what the producer gave', () => {
    const recorded = toRecordedEvent(full, { seq: 1, recordedAt: NOW, id: 'ignored' })

    expect(recorded).toMatchObject({ id: full.id, tenant: 'acme', severity: 'high' })
  })
})

describe('validateRecordedEvent', () => {
  it('rejects a recorded event with a hash member or a bad seq', () => {
    const recorded = { ...toRecordedEvent(minimal, { seq: 1, recordedAt: NOW }), hash: 'x', seq: 0 }
    const result = validateRecordedEvent(recorded)

    expect(result.ok ? [] : result.issues.map(({ path, code }) => ({ path, code }))).toEqual([
      { path: 'seq', code: 'invalid_value' },
      { path: 'hash', code: 'unknown_field' },
    ])
  })
})
