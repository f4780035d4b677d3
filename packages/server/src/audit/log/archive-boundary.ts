/**
 * Where the stored log begins after retention archived a prefix of it.
 */
import type { Kysely } from 'kysely'

import type { Database } from '../../store/schema.js'
import { checkpointAtOrBelow } from './checkpoint-store.js'

/** The event type that records an archived range; ingestion may not use it. */
export const ARCHIVED_EVENT_TYPE = 'audit.log.archived'

/**
 * The last seq removed by archiving, or 0. Trusted only when the chain holds the archive event
 * for exactly that range and the checkpoint at its end exists; otherwise a missing prefix is
 * left for the verifier to report.
 */
export async function archivedThrough(db: Kysely<Database>): Promise<number> {
  const firstSeq = await firstStoredSeq(db)
  if (firstSeq === undefined || firstSeq <= 1) return 0
  const boundary = firstSeq - 1

  const checkpoint = await checkpointAtOrBelow(db, boundary)
  if (checkpoint?.checkpoint.treeSize !== boundary) return 0
  const markers = await db
    .selectFrom('audit_events')
    .select('body')
    .where('type', '=', ARCHIVED_EVENT_TYPE)
    .orderBy('seq', 'desc')
    .limit(16)
    .execute()
  const recorded = markers.some((row) => {
    const fields = (JSON.parse(row.body) as { fields?: { toSeq?: unknown } }).fields
    return fields?.toSeq === boundary
  })
  return recorded ? boundary : 0
}

/** The lowest seq still in the database, or undefined when it holds no event. */
export async function firstStoredSeq(db: Kysely<Database>): Promise<number | undefined> {
  const row = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.min('seq').as('first'))
    .executeTakeFirst()
  return row?.first === null || row?.first === undefined ? undefined : Number(row.first)
}
