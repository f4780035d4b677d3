/**
 * Reading, exporting and ingesting events.
 */
import { Readable } from 'node:stream'

import type { FastifyInstance } from 'fastify'

import type { OutcomeStatus } from '../event.js'
import { RampartError } from '../../platform/errors.js'
import type { EventFilter } from '../log/event-query.js'
import { decodeCursor, queryEvents, streamEvents } from '../log/event-query.js'
import { csvHeaderLine, csvLine, eventLine } from '../log/export-format.js'
import type { IngestItem } from '../log/ingest.js'
import { ingestBatch } from '../log/ingest.js'
import type { AuditRouteDeps } from './routes.js'
import {
  chainedEventSchema,
  eventFilterQuerySchema,
  ingestBodySchema,
  ingestResponseSchema,
  positiveInteger,
  problemResponses,
} from './schemas.js'
import { requireTokenHook } from './tokens.js'

const tags = ['audit']
const security = [{ bearerAuth: [] }]

/** At most this many events per ingestion batch; the body is capped at 1 MiB. */
export const MAX_BATCH_EVENTS = 1000
export const MAX_BATCH_BYTES = 1_048_576

interface FilterQuery {
  type?: string
  actorId?: string
  targetId?: string
  outcome?: OutcomeStatus
  from?: string
  to?: string
  requestId?: string
}

function toFilter(query: FilterQuery): EventFilter {
  return {
    typePrefix: query.type,
    actorId: query.actorId,
    targetId: query.targetId,
    outcome: query.outcome,
    requestId: query.requestId,
    fromMs: query.from === undefined ? undefined : Date.parse(query.from),
    toMs: query.to === undefined ? undefined : Date.parse(query.to),
  }
}

export function registerEventRoutes(server: FastifyInstance, deps: AuditRouteDeps): void {
  const { db, log, clock, tokens } = deps
  const read = (permission: string) =>
    deps.guard?.require(permission, { digest: tokens.read, setting: 'audit.read_token' }) ??
    requireTokenHook(tokens, 'read')

  server.get<{ Querystring: FilterQuery & { cursor?: string; limit?: string } }>(
    '/v1/audit/events',
    {
      onRequest: read('audit.events:read'),
      schema: {
        summary: 'Events matching filters, in seq order, a page at a time',
        tags,
        security,
        querystring: {
          ...eventFilterQuerySchema,
          properties: {
            ...eventFilterQuerySchema.properties,
            cursor: { type: 'string', maxLength: 200, description: 'from the previous page' },
            limit: { ...positiveInteger, description: 'at most 1000; default 100' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['events'],
            properties: {
              events: { type: 'array', items: chainedEventSchema },
              nextCursor: { type: 'string' },
            },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const { cursor, limit = '100', ...filter } = request.query
      const afterSeq = cursor === undefined ? 0 : decodeCursor(cursor)
      return queryEvents(db, toFilter(filter), afterSeq, Math.min(1000, Number(limit)))
    },
  )

  server.get<{ Querystring: FilterQuery & { format?: 'jsonl' | 'csv' } }>(
    '/v1/audit/events/export',
    {
      onRequest: read('audit.events:export'),
      schema: {
        summary: 'Every matching event, streamed as JSON lines or CSV',
        tags,
        security,
        produces: ['application/x-ndjson', 'text/csv'],
        querystring: {
          ...eventFilterQuerySchema,
          properties: {
            ...eventFilterQuerySchema.properties,
            format: { type: 'string', enum: ['jsonl', 'csv'], default: 'jsonl' },
          },
        },
        response: problemResponses,
      },
    },
    async (request, reply) => {
      const { format = 'jsonl', ...filter } = request.query
      const events = streamEvents(db, toFilter(filter))
      async function* lines(): AsyncGenerator<string> {
        if (format === 'csv') yield csvHeaderLine
        for await (const event of events) yield format === 'csv' ? csvLine(event) : eventLine(event)
      }
      const contentType = format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson'
      return reply
        .type(contentType)
        .header('content-disposition', `attachment; filename="audit-events.${format}"`)
        .send(Readable.from(lines()))
    },
  )

  server.post<{ Body: { events: IngestItem[] } }>(
    '/v1/audit/events',
    {
      bodyLimit: MAX_BATCH_BYTES,
      onRequest: requireTokenHook(tokens, 'ingest'),
      schema: {
        summary: 'Ingest a batch of events (≤ 1000 or 1 MiB), one result per event',
        description:
          'Each event carries an idempotency key; a resent key answers `duplicate` with the ' +
          'seq it was recorded at. Rejected events do not stop the others.',
        tags,
        security,
        body: ingestBodySchema,
        response: { 200: ingestResponseSchema, ...problemResponses },
      },
    },
    async (request) => {
      const items = request.body.events
      if (items.length > MAX_BATCH_EVENTS) {
        throw new RampartError(
          'audit_batch_too_large',
          `a batch holds at most ${MAX_BATCH_EVENTS} events; this one has ${items.length}`,
        )
      }
      const results = await ingestBatch(db, log, items, clock.now(), deps.ingestKeyTtlMs)
      const count = (status: string) => results.filter((item) => item.status === status).length
      return {
        accepted: count('accepted'),
        duplicates: count('duplicate'),
        rejected: count('rejected'),
        results,
      }
    },
  )
}
