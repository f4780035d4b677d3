/**
 * Reading events back: filters over the indexed columns, in seq order, with an opaque cursor.
 */
import type { Kysely } from 'kysely'
import { sql } from 'kysely'

import type { ChainedAuditEvent, OutcomeStatus } from '../event.js'
import { RampartError } from '../../platform/errors.js'
import type { Database } from '../../store/schema.js'
import { eventFromRow } from './event-rows.js'

export interface EventFilter {
  /** Events whose type starts with this, e.g. `auth.` or `auth.login.failed`. */
  readonly typePrefix?: string | undefined
  readonly actorId?: string | undefined
  readonly targetId?: string | undefined
  readonly outcome?: OutcomeStatus | undefined
  /** `occurredAt` at or after this (ms since the epoch). */
  readonly fromMs?: number | undefined
  /** `occurredAt` before this (ms since the epoch). */
  readonly toMs?: number | undefined
  readonly requestId?: string | undefined
}

export interface EventPage {
  readonly events: ChainedAuditEvent[]
  /** Pass back as `cursor` for the next page; absent on the last page. */
  readonly nextCursor?: string
}

/** Escapes LIKE wildcards; `\` is declared as the escape character in the query. */
function likePrefix(prefix: string): string {
  return `${prefix.replace(/[\\%_]/g, (character) => `\\${character}`)}%`
}

/** The cursor is the last seq returned, wrapped so clients do not build it themselves. */
export function encodeCursor(afterSeq: number): string {
  return Buffer.from(JSON.stringify({ v: 1, after: afterSeq }), 'utf8').toString('base64url')
}

/** Reads a cursor; throws `invalid_cursor` for anything `encodeCursor` did not make. */
export function decodeCursor(cursor: string): number {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown
    const after = (value as { v?: unknown; after?: unknown }).after
    if (
      (value as { v?: unknown }).v === 1 &&
      Number.isSafeInteger(after) &&
      (after as number) >= 0
    ) {
      return after as number
    }
  } catch {
    // Fall through to the one error below.
  }
  throw new RampartError('invalid_cursor', 'the cursor is not one this server issued')
}

/** One page of events matching `filter` with seq above `afterSeq`, in seq order. */
export async function queryEvents(
  db: Kysely<Database>,
  filter: EventFilter,
  afterSeq: number,
  limit: number,
): Promise<EventPage> {
  let query = db.selectFrom('audit_events').selectAll().where('seq', '>', afterSeq)
  if (filter.typePrefix !== undefined) {
    query = query.where(sql<boolean>`type like ${likePrefix(filter.typePrefix)} escape '\\'`)
  }
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId)
  if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId)
  if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome)
  if (filter.requestId !== undefined) query = query.where('request_id', '=', filter.requestId)
  if (filter.fromMs !== undefined) query = query.where('occurred_at', '>=', filter.fromMs)
  if (filter.toMs !== undefined) query = query.where('occurred_at', '<', filter.toMs)

  const rows = await query
    .orderBy('seq')
    .limit(limit + 1)
    .execute()
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  const events = page.map(eventFromRow)
  return rows.length > limit && last !== undefined
    ? { events, nextCursor: encodeCursor(Number(last.seq)) }
    : { events }
}

/** Every event matching `filter`, page by page, for streaming exports. */
export async function* streamEvents(
  db: Kysely<Database>,
  filter: EventFilter,
  pageSize = 1000,
): AsyncGenerator<ChainedAuditEvent> {
  let afterSeq = 0
  for (;;) {
    const page = await queryEvents(db, filter, afterSeq, pageSize)
    yield* page.events
    if (page.nextCursor === undefined) return
    afterSeq = decodeCursor(page.nextCursor)
  }
}
