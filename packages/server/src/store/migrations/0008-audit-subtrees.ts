import type { Kysely } from 'kysely'

/**
 * Heads of large perfect subtrees of the audit log's Merkle tree, kept by the checkpointer so
 * that an inclusion or consistency proof reads O(log n) rows instead of every leaf below it.
 * Row (level, subtree_index) covers leaves `subtree_index * 2^level` to
 * `(subtree_index + 1) * 2^level - 1`, that is events one later.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('audit_subtrees')
    .addColumn('level', 'integer', (column) => column.notNull())
    .addColumn('subtree_index', 'bigint', (column) => column.notNull())
    .addColumn('hash', 'text', (column) => column.notNull())
    .addPrimaryKeyConstraint('audit_subtrees_pk', ['level', 'subtree_index'])
    .execute()
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('audit_subtrees').execute()
}
