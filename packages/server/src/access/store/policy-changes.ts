/**
 * The one way the policy changes: in a transaction that bumps the policy version, applies the
 * change and appends its audit event, so the change, its version and its record commit or
 * roll back together. On PostgreSQL the new version is also announced with NOTIFY, which the
 * server delivers to listening replicas only once the transaction commits.
 */
import { sql } from 'kysely'

import type { AuditEvents } from '../../audit/module.js'
import type { AuditActor, AuditSource } from '../../audit/event.js'
import type { JsonObject, JsonValue } from '../../audit/canonical-json.js'
import type { Clock } from '../../platform/clock.js'
import type { Dialect } from '../../store/database.js'
import type { AccessDb, AccessTransaction } from './tables.js'

/** The channel replicas LISTEN on; the payload is `<schema>:<version>`. */
export const POLICY_CHANNEL = 'rampart_access_policy'

/** Who asked for a change, for its audit event. */
export interface ChangeActor {
  readonly actor: AuditActor
  readonly source?: AuditSource
  readonly requestId?: string
}

/** What a change records: `access.<target>.<action>` with the values before and after. */
export interface ChangeRecord {
  readonly target: 'role' | 'binding' | 'grant' | 'group'
  readonly action: 'created' | 'updated' | 'deleted'
  readonly id: string
  readonly before: unknown
  readonly after: unknown
  readonly extra?: JsonObject
}

export interface PolicyChanges {
  readonly db: AccessDb
  readonly dialect: Dialect
  readonly clock: Clock
  readonly events: AuditEvents
  /** Called after commit with the new version (the local cache learns it at once). */
  readonly onCommitted?: (version: number) => void
}

/** Room left in an audit event's 16 KiB of fields for the before and after values. */
const maxValueBytes = 6000

/** A value as recorded: itself, or a note of its size when it would not fit in the event. */
function recordable(value: unknown): JsonValue {
  if (value === undefined) return null
  const text = JSON.stringify(value)
  if (text.length <= maxValueBytes) return JSON.parse(text) as JsonValue
  return { omitted: true, reason: 'too large for the event', bytes: text.length }
}

/** What a change did: one record, or (an import) one per entry it touched. */
export type ChangeOutcome<T> =
  | { readonly result: T; readonly record: ChangeRecord }
  | { readonly result: T; readonly records: readonly ChangeRecord[] }

/**
 * Runs `change` in a transaction with the version bumped first; resolves to its result and
 * the version it committed as. Every record becomes one audit event at that version.
 */
export async function changePolicy<T>(
  changes: PolicyChanges,
  who: ChangeActor,
  change: (trx: AccessTransaction, version: number) => Promise<ChangeOutcome<T>>,
): Promise<{ result: T; version: number }> {
  const { db, dialect, clock, events } = changes
  const committed = await db.transaction().execute(async (trx) => {
    const now = clock.now()
    // Updating the one policy row first makes concurrent writers queue here.
    const bumped = await trx
      .updateTable('access_policy')
      .set((eb) => ({ version: eb('version', '+', 1), updated_at: now }))
      .where('id', '=', 1)
      .returning('version')
      .executeTakeFirstOrThrow()
    const version = Number(bumped.version)
    const outcome = await change(trx, version)
    const records = 'records' in outcome ? outcome.records : [outcome.record]

    for (const record of records) {
      await appendRecord(events, trx, who, { record, now, version })
    }
    if (dialect === 'postgres') {
      const payload = sql`current_schema() || ':' || ${String(version)}`
      await sql`select pg_notify(${POLICY_CHANNEL}, ${payload})`.execute(trx)
    }
    return { result: outcome.result, version }
  })
  changes.onCommitted?.(committed.version)
  return committed
}

/** Appends the audit event of one change, in the change's transaction. */
async function appendRecord(
  events: AuditEvents,
  trx: AccessTransaction,
  who: ChangeActor,
  at: { readonly record: ChangeRecord; readonly now: number; readonly version: number },
): Promise<void> {
  const { record, now, version } = at
  await events.append(
    {
      type: `access.${record.target}.${record.action}`,
      occurredAt: new Date(now).toISOString(),
      actor: who.actor,
      ...(who.source === undefined ? {} : { source: who.source }),
      ...(who.requestId === undefined ? {} : { requestId: who.requestId }),
      target: { type: `access.${record.target}`, id: record.id },
      action: record.action === 'created' ? 'create' : record.action.slice(0, -1),
      outcome: { status: 'success' },
      fields: {
        policyVersion: version,
        before: recordable(record.before),
        after: recordable(record.after),
        ...record.extra,
      },
    },
    trx,
  )
}
