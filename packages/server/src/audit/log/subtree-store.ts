/**
 * Stored heads of the Merkle tree's large perfect subtrees (`audit_subtrees`). The checkpointer
 * records every subtree of `2^STORED_SUBTREE_LEVEL` leaves or more as it extends the tree over
 * events it has just checked, in the transaction of the checkpoint that covers them. A proof
 * hash over a long range then comes from one row per subtree instead of from every leaf: at
 * most about 2^STORED_SUBTREE_LEVEL leaf reads plus a row per level, whatever the log's size.
 * Stored rows cost about one per 2^(STORED_SUBTREE_LEVEL - 1) events.
 */
import type { Kysely, Transaction } from 'kysely'

import type { Database } from '../../store/schema.js'

// TODO(#3): a log checkpointed before migration 0008 has no rows for its older subtrees, so
// proofs over that part still fold leaves (correct, O(n)). A one-off backfill that re-extends
// the tree from seq 1, checking each event as the checkpointer does, would fill them. And
// retention leaves the rows below its archive boundary in place (never read again, about one
// per 512 archived events): archiving could delete them with the events.

/** The smallest subtree kept: 1,024 leaves. Below that, reading leaves is cheap enough. */
export const STORED_SUBTREE_LEVEL = 10

/** A perfect subtree of `2 ** level` leaves from leaf `index * 2 ** level`, and its head. */
export interface StoredSubtree {
  readonly level: number
  readonly index: number
  readonly hash: Buffer
}

type Executor = Kysely<Database> | Transaction<Database>

/** Rows per insert statement: 3 columns each, far below both dialects' parameter caps. */
const ROWS_PER_STATEMENT = 500

/**
 * Records subtree heads. A subtree already stored is left as it is: its head can only be the
 * same, because the leaves below it are the log's and the checkpointer checked them.
 */
export async function insertSubtrees(
  db: Executor,
  subtrees: readonly StoredSubtree[],
): Promise<void> {
  for (let start = 0; start < subtrees.length; start += ROWS_PER_STATEMENT) {
    const rows = subtrees.slice(start, start + ROWS_PER_STATEMENT).map((subtree) => ({
      level: subtree.level,
      subtree_index: subtree.index,
      hash: subtree.hash.toString('hex'),
    }))
    await db
      .insertInto('audit_subtrees')
      .values(rows)
      .onConflict((conflict) => conflict.columns(['level', 'subtree_index']).doNothing())
      .execute()
  }
}

/** The stored head of one subtree, if the checkpointer has recorded it. */
export async function readStoredSubtree(
  db: Executor,
  level: number,
  index: number,
): Promise<Buffer | undefined> {
  if (level < STORED_SUBTREE_LEVEL) return undefined
  const row = await db
    .selectFrom('audit_subtrees')
    .select('hash')
    .where('level', '=', level)
    .where('subtree_index', '=', index)
    .executeTakeFirst()
  return row === undefined ? undefined : Buffer.from(row.hash, 'hex')
}
