/**
 * The zod schemas behind event validation. Strict objects throughout: an unknown field is an
 * error, not something silently dropped, so a producer learns about a typo the first time.
 */
import { z } from 'zod'

/** `auth.login.failed`: two or more lowercase segments joined by dots. */
const EVENT_TYPE = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/

/** A lowercase token such as `user`, `client_credentials` or `role.grant`. */
const TOKEN = /^[a-z][a-z0-9_.-]*$/

/** W3C Trace Context trace-id: 32 lowercase hex digits, not all zero. */
const TRACE_ID = /^(?!0{32})[0-9a-f]{32}$/

export const SEVERITIES = ['info', 'low', 'medium', 'high', 'critical'] as const

export const OUTCOME_STATUSES = ['success', 'failure', 'denied'] as const

/** Classes of data an event touches, for data-access logs and retention decisions. */
export const DATA_CLASSES = [
  'pii',
  'financial',
  'health',
  'credentials',
  'biometric',
  'location',
  'confidential',
] as const

const token = (max: number) => z.string().max(max).regex(TOKEN, 'expected a lowercase token')
const text = (max: number) => z.string().min(1).max(max)
const timestamp = z.iso.datetime({
  precision: 3,
  message: 'expected UTC time like 2024-05-01T12:00:00.000Z',
})

const actorSchema = z.strictObject({
  type: token(64),
  id: text(256).optional(),
  name: text(256).optional(),
  /** A session handle or its hash, never the bearer value of a session cookie. */
  sessionId: text(128).optional(),
  authMethod: token(64).optional(),
})

const sourceSchema = z.strictObject({
  ip: z.union([z.ipv4(), z.ipv6()], { message: 'expected an IPv4 or IPv6 address' }).optional(),
  userAgent: text(1024).optional(),
})

const targetSchema = z.strictObject({
  type: token(64),
  id: text(256).optional(),
  name: text(256).optional(),
})

const outcomeSchema = z.strictObject({
  status: z.enum(OUTCOME_STATUSES),
  reason: text(1024).optional(),
})

const dataClassesSchema = z
  .array(z.enum(DATA_CLASSES))
  .max(DATA_CLASSES.length)
  .refine((classes) => new Set(classes).size === classes.length, 'data classes repeat')

/** Members shared by what a producer submits and what the log records. */
const commonShape = {
  type: z.string().max(128).regex(EVENT_TYPE, 'expected dot-namespaced lowercase like a.b.c'),
  occurredAt: timestamp,
  actor: actorSchema,
  source: sourceSchema.optional(),
  target: targetSchema.optional(),
  action: token(64),
  outcome: outcomeSchema,
  dataClasses: dataClassesSchema.optional(),
  requestId: text(128).optional(),
  traceId: z.string().regex(TRACE_ID, 'expected a W3C trace id').optional(),
  /** Checked separately by `checkFields`, which knows the configured limits. */
  fields: z.record(z.string(), z.unknown()).optional(),
}

/** What a producer submits: no `seq`, `recordedAt` or hashes, which the log assigns. */
export const eventInputSchema = z.strictObject({
  ...commonShape,
  id: z.uuid({ version: 'v7', message: 'expected a UUIDv7' }).optional(),
  tenant: token(128).optional(),
  severity: z.enum(SEVERITIES).optional(),
})

/** What the log records, before the chain adds `prevHash` and `hash`. */
export const recordedEventSchema = z.strictObject({
  ...commonShape,
  id: z.uuid({ version: 'v7', message: 'expected a UUIDv7' }),
  seq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  recordedAt: timestamp,
  tenant: token(128),
  severity: z.enum(SEVERITIES),
})
