import type { Kysely } from 'kysely'

/**
 * Alerting: rule-group state (pending and firing alerts with their active-since times), the
 * alerts handed to routing, silences, the notification log of each alert group, and each
 * notification with its delivery attempts.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alerting_rule_states')
    .addColumn('group_key', 'text', (column) => column.primaryKey())
    .addColumn('state', 'text', (column) => column.notNull())
    .addColumn('evaluated_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('alerting_alerts')
    .addColumn('fingerprint', 'text', (column) => column.primaryKey())
    .addColumn('labels', 'text', (column) => column.notNull())
    .addColumn('annotations', 'text', (column) => column.notNull())
    .addColumn('starts_at', 'bigint', (column) => column.notNull())
    .addColumn('ends_at', 'bigint', (column) => column.notNull())
    .addColumn('generator_url', 'text', (column) => column.notNull())
    .addColumn('source', 'text', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('alerting_silences')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('matchers', 'text', (column) => column.notNull())
    .addColumn('starts_at', 'bigint', (column) => column.notNull())
    .addColumn('ends_at', 'bigint', (column) => column.notNull())
    .addColumn('created_by', 'text', (column) => column.notNull())
    .addColumn('comment', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('alerting_silences_ends_at')
    .on('alerting_silences')
    .column('ends_at')
    .execute()

  await db.schema
    .createTable('alerting_groups')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('receiver', 'text', (column) => column.notNull())
    .addColumn('group_key', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('next_flush_at', 'bigint', (column) => column.notNull())
    .addColumn('notified_firing', 'text', (column) => column.notNull())
    .addColumn('last_sent_at', 'bigint')
    .execute()

  await db.schema
    .createTable('alerting_notifications')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('group_id', 'text', (column) => column.notNull())
    .addColumn('receiver', 'text', (column) => column.notNull())
    .addColumn('integration', 'text', (column) => column.notNull())
    .addColumn('status', 'text', (column) => column.notNull())
    .addColumn('payload', 'text', (column) => column.notNull())
    .addColumn('attempts', 'integer', (column) => column.notNull().defaultTo(0))
    .addColumn('last_status_code', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('alerting_notifications_status')
    .on('alerting_notifications')
    .columns(['status', 'created_at'])
    .execute()

  await db.schema
    .createTable('alerting_notification_attempts')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('notification_id', 'text', (column) => column.notNull())
    .addColumn('attempt', 'integer', (column) => column.notNull())
    .addColumn('at', 'bigint', (column) => column.notNull())
    .addColumn('outcome', 'text', (column) => column.notNull())
    .addColumn('status_code', 'integer')
    .addColumn('error', 'text')
    .addColumn('duration_ms', 'integer', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('alerting_notification_attempts_notification')
    .on('alerting_notification_attempts')
    .columns(['notification_id', 'attempt'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'alerting_notification_attempts',
    'alerting_notifications',
    'alerting_groups',
    'alerting_silences',
    'alerting_alerts',
    'alerting_rule_states',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
