import type { Kysely } from 'kysely'

/**
 * Alerting rule groups managed through the API, next to the configured rule files: one row
 * per group in a namespace, holding the group as it was given (JSON) and a version that
 * changes with every write, so replicas notice changes by comparing versions.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('alerting_rule_groups')
    .addColumn('namespace', 'text', (column) => column.notNull())
    .addColumn('group_name', 'text', (column) => column.notNull())
    .addColumn('definition', 'text', (column) => column.notNull())
    .addColumn('version', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .addPrimaryKeyConstraint('alerting_rule_groups_pk', ['namespace', 'group_name'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('alerting_rule_groups').execute()
}
