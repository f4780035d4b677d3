import type { Kysely } from 'kysely'
import { sql } from 'kysely'

/**
 * The access model: roles and their parents and permissions, bindings, groups, direct grants,
 * and the policy version every change bumps (its row is also the lock writers queue on).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_policy')
    .addColumn('id', 'integer', (column) => column.primaryKey())
    .addColumn('version', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()
  await sql`insert into access_policy (id, version, updated_at) values (1, 0, 0)`.execute(db)

  await db.schema
    .createTable('access_roles')
    .addColumn('name', 'text', (column) => column.primaryKey())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('tenant', 'text')
    .addColumn('active', 'integer', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()

  await db.schema
    .createTable('access_role_parents')
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('parent', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('access_role_parents_pk', ['role', 'parent'])
    .execute()
  await db.schema
    .createIndex('access_role_parents_parent')
    .on('access_role_parents')
    .column('parent')
    .execute()

  await db.schema
    .createTable('access_role_permissions')
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('permission', 'text', (column) => column.notNull())
    .addColumn('condition', 'text')
    .addPrimaryKeyConstraint('access_role_permissions_pk', ['role', 'permission'])
    .execute()

  await db.schema
    .createTable('access_bindings')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('role', 'text', (column) => column.notNull())
    .addColumn('tenant', 'text')
    .addColumn('resource', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute()
  for (const column of ['subject', 'role']) {
    await db.schema
      .createIndex(`access_bindings_${column}`)
      .on('access_bindings')
      .column(column)
      .execute()
  }

  await db.schema
    .createTable('access_groups')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('description', 'text', (column) => column.notNull())
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .addColumn('updated_at', 'bigint', (column) => column.notNull())
    .execute()
  await db.schema
    .createTable('access_group_members')
    .addColumn('group_id', 'text', (column) => column.notNull())
    .addColumn('member', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('access_group_members_pk', ['group_id', 'member'])
    .execute()

  await db.schema
    .createTable('access_grants')
    .addColumn('id', 'text', (column) => column.primaryKey())
    .addColumn('subject', 'text', (column) => column.notNull())
    .addColumn('permission', 'text', (column) => column.notNull())
    .addColumn('effect', 'text', (column) => column.notNull())
    .addColumn('tenant', 'text')
    .addColumn('resource', 'text')
    .addColumn('condition', 'text')
    .addColumn('expires_at', 'bigint')
    .addColumn('created_at', 'bigint', (column) => column.notNull())
    .execute()
  await db.schema
    .createIndex('access_grants_subject')
    .on('access_grants')
    .column('subject')
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of [
    'access_grants',
    'access_group_members',
    'access_groups',
    'access_bindings',
    'access_role_permissions',
    'access_role_parents',
    'access_roles',
    'access_policy',
  ]) {
    await db.schema.dropTable(table).execute()
  }
}
