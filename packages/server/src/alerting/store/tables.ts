/**
 * The alerting tables, as Kysely sees them (created by migrations 0005-alerting and
 * 0007-alerting-rule-groups). Times are milliseconds since the epoch; JSON columns hold text.
 */
import type { Kysely } from 'kysely'
import type { Database } from '../../store/schema.js'

export type AlertingTables = {
  alerting_rule_states: { group_key: string; state: string; evaluated_at: number }
  alerting_rule_groups: {
    namespace: string
    group_name: string
    /** The group as given through the API, as JSON. */
    definition: string
    /** A new id at every write. */
    version: string
    created_at: number
    updated_at: number
  }
  alerting_alerts: {
    fingerprint: string
    labels: string
    annotations: string
    starts_at: number
    ends_at: number
    generator_url: string
    source: string
    updated_at: number
  }
  alerting_silences: {
    id: string
    matchers: string
    starts_at: number
    ends_at: number
    created_by: string
    comment: string
    created_at: number
    updated_at: number
  }
  alerting_groups: {
    id: string
    receiver: string
    group_key: string
    created_at: number
    next_flush_at: number
    /** JSON array of the fingerprints the receiver was last told are firing. */
    notified_firing: string
    last_sent_at: number | null
  }
  alerting_notifications: {
    id: string
    group_id: string
    receiver: string
    integration: string
    status: NotificationStatus
    payload: string
    attempts: number
    last_status_code: number | null
    last_error: string | null
    created_at: number
    updated_at: number
  }
  alerting_notification_attempts: {
    id: string
    notification_id: string
    attempt: number
    at: number
    outcome: 'delivered' | 'retry' | 'dead'
    status_code: number | null
    error: string | null
    duration_ms: number
  }
}

export type NotificationStatus = 'pending' | 'delivered' | 'dead'

export type AlertingDb = Kysely<Database & AlertingTables>

/** The platform database with the alerting tables typed. */
export function alertingDb(db: Kysely<Database>): AlertingDb {
  return db.withTables<AlertingTables>()
}
