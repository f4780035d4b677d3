/**
 * Ingestion of event batches from services: each event validated on its own, deduplicated by
 * its idempotency key within its tenant (keys expire after `keyTtlMs`), and the accepted ones
 * appended in one transaction. The result has one
 * entry per submitted event, in order, so a producer knows exactly what to resend.
 */
import type { Kysely, Transaction } from 'kysely'

import type { AuditEventInput } from '../event.js'
import type { EventIssue } from '../event-issues.js'
import type { Database } from '../../store/schema.js'
import type { EventLog } from './event-log.js'

/** One submitted event: the producer's idempotency key and the event itself. */
export interface IngestItem {
  readonly idempotencyKey: string
  readonly event: unknown
}

export type IngestResult =
  | { readonly status: 'accepted'; readonly seq: number; readonly id: string }
  | { readonly status: 'duplicate'; readonly seq: number | null }
  | { readonly status: 'rejected'; readonly issues: readonly EventIssue[] }

const maxKeyLength = 200

/** How long a key is remembered when the caller does not say (the config default). */
export const DEFAULT_KEY_TTL_MS = 7 * 24 * 3_600_000

/**
 * The stored form of a producer's key: scoped to the event's tenant, so two tenants may use
 * the same key, and unambiguous whatever characters either part holds.
 */
function scopedKey(tenant: string | undefined, key: string): string {
  return JSON.stringify([tenant ?? 'default', key])
}

/** Forgets keys older than `keyTtlMs`; returns how many. Run by the lease holder. */
export async function purgeExpiredIngestKeys(
  db: Kysely<Database>,
  now: number,
  keyTtlMs: number,
): Promise<number> {
  const result = await db
    .deleteFrom('audit_ingest_keys')
    .where('created_at', '<', now - keyTtlMs)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}

function checkKey(key: unknown): EventIssue | undefined {
  if (typeof key === 'string' && key.length > 0 && key.length <= maxKeyLength) return undefined
  return {
    path: 'idempotencyKey',
    code: 'invalid_value',
    message: `expected a string of 1 to ${maxKeyLength} characters`,
  }
}

/**
 * Validates and appends a batch. Events rejected for their content do not stop the others; a
 * database failure fails the whole batch, and because keys commit with their events a retry
 * of the batch then records each event exactly once.
 */
export async function ingestBatch(
  db: Kysely<Database>,
  log: EventLog,
  items: readonly IngestItem[],
  now: number,
  keyTtlMs: number = DEFAULT_KEY_TTL_MS,
): Promise<IngestResult[]> {
  const results: (IngestResult | undefined)[] = items.map(() => undefined)
  const candidates: { index: number; key: string; event: AuditEventInput }[] = []
  const seenKeys = new Map<string, number>()
  const scopedKeys: (string | undefined)[] = items.map(() => undefined)
  const seenIds = new Set<string>()

  items.forEach((item, index) => {
    const keyIssue = checkKey(item.idempotencyKey)
    const validation = log.validate(item.event)
    const typeIssue = validation.ok ? reservedType(validation.event.type) : undefined
    const issues = [
      ...(keyIssue ? [keyIssue] : []),
      ...(validation.ok ? [] : validation.issues),
      ...(typeIssue ? [typeIssue] : []),
    ]
    if (issues.length > 0 || !validation.ok) {
      results[index] = { status: 'rejected', issues }
      return
    }
    const key = scopedKey(validation.event.tenant, item.idempotencyKey)
    if (seenKeys.has(key)) {
      results[index] = { status: 'duplicate', seq: null }
      scopedKeys[index] = key
      return
    }
    const id = validation.event.id
    if (id !== undefined && seenIds.has(id)) {
      results[index] = { status: 'rejected', issues: [duplicateId()] }
      return
    }
    if (id !== undefined) seenIds.add(id)
    seenKeys.set(key, index)
    scopedKeys[index] = key
    candidates.push({ index, key, event: validation.event })
  })

  if (candidates.length > 0) {
    await db.transaction().execute((tx) => appendFresh(tx, log, candidates, results, now, keyTtlMs))
  }
  // Later copies of a key within the batch share the first copy's outcome.
  items.forEach((_item, index) => {
    const key = scopedKeys[index]
    const first = key === undefined ? undefined : seenKeys.get(key)
    const outcome = first === undefined ? undefined : results[first]
    if (first !== index && results[index]?.status === 'duplicate' && outcome !== undefined) {
      results[index] = { status: 'duplicate', seq: 'seq' in outcome ? outcome.seq : null }
    }
  })
  return results as IngestResult[]
}

async function appendFresh(
  tx: Transaction<Database>,
  log: EventLog,
  candidates: readonly { index: number; key: string; event: AuditEventInput }[],
  results: (IngestResult | undefined)[],
  now: number,
  keyTtlMs: number,
): Promise<void> {
  // An expired key no longer deduplicates: forget it before claiming.
  await tx
    .deleteFrom('audit_ingest_keys')
    .where(
      'key',
      'in',
      candidates.map((item) => item.key),
    )
    .where('created_at', '<', now - keyTtlMs)
    .execute()

  // Claiming the keys first makes a concurrent batch with the same key wait on the unique
  // index and then see it taken, instead of both appending.
  const claimed = await tx
    .insertInto('audit_ingest_keys')
    .values(candidates.map((item) => ({ key: item.key, seq: null, created_at: now })))
    .onConflict((conflict) => conflict.column('key').doNothing())
    .returning('key')
    .execute()
  const claimedKeys = new Set(claimed.map((row) => row.key))

  const taken = candidates.filter((item) => !claimedKeys.has(item.key)).map((item) => item.key)
  const existing =
    taken.length === 0
      ? []
      : await tx
          .selectFrom('audit_ingest_keys')
          .select(['key', 'seq'])
          .where('key', 'in', taken)
          .execute()
  const seqOfKey = new Map(
    existing.map((row) => [row.key, row.seq === null ? null : Number(row.seq)]),
  )

  const ids = candidates.flatMap((item) => (item.event.id === undefined ? [] : [item.event.id]))
  const usedIds =
    ids.length === 0
      ? new Set<string>()
      : new Set(
          (await tx.selectFrom('audit_events').select('id').where('id', 'in', ids).execute()).map(
            (row) => row.id,
          ),
        )

  const fresh = candidates.filter((item) => {
    if (!claimedKeys.has(item.key)) {
      results[item.index] = { status: 'duplicate', seq: seqOfKey.get(item.key) ?? null }
      return false
    }
    if (item.event.id !== undefined && usedIds.has(item.event.id)) {
      results[item.index] = { status: 'rejected', issues: [duplicateId()] }
      return false
    }
    return true
  })
  const released = candidates.filter((item) => claimedKeys.has(item.key) && !fresh.includes(item))
  if (released.length > 0) {
    await tx
      .deleteFrom('audit_ingest_keys')
      .where(
        'key',
        'in',
        released.map((item) => item.key),
      )
      .execute()
  }
  if (fresh.length === 0) return

  const chained = await log.appendValidated(
    tx,
    fresh.map((item) => item.event),
  )
  for (const [offset, item] of fresh.entries()) {
    const event = chained[offset]
    if (event !== undefined) {
      results[item.index] = { status: 'accepted', seq: event.seq, id: event.id }
    }
  }

  // One upsert records the seq of every claimed key.
  await tx
    .insertInto('audit_ingest_keys')
    .values(
      fresh.map((item, offset) => ({
        key: item.key,
        seq: chained[offset]?.seq ?? null,
        created_at: now,
      })),
    )
    .onConflict((conflict) =>
      conflict.column('key').doUpdateSet((update) => ({ seq: update.ref('excluded.seq') })),
    )
    .execute()
}

// Rampart's own facts (archived ranges, keys, start and stop) must not be forgeable by a
// service: the verifier trusts an `audit.log.archived` event in the chain.
const reservedTypePrefixes = ['audit.', 'platform.']

function reservedType(type: string): EventIssue | undefined {
  if (!reservedTypePrefixes.some((prefix) => type.startsWith(prefix))) return undefined
  return {
    path: 'type',
    code: 'invalid_value',
    message: 'types under audit. and platform. are recorded by Rampart itself',
  }
}

function duplicateId(): EventIssue {
  return { path: 'id', code: 'invalid_value', message: 'an event with this id is already recorded' }
}
