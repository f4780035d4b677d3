/**
 * Reading and writing `audit_checkpoints`.
 */
import type { Kysely, Transaction } from 'kysely'

import type { SignedCheckpoint } from '../checkpoint.js'
import { parseCheckpoint } from '../checkpoint.js'
import type { Database } from '../../store/schema.js'

/** A stored checkpoint and the Merkle frontier (hex) at its tree size. */
export interface StoredCheckpoint {
  readonly checkpoint: SignedCheckpoint
  readonly frontier: readonly string[]
}

type Executor = Kysely<Database> | Transaction<Database>

function fromRow(row: { body: string; frontier: string }): StoredCheckpoint {
  return {
    checkpoint: parseCheckpoint(JSON.parse(row.body)),
    frontier: JSON.parse(row.frontier) as string[],
  }
}

/** The checkpoint with the largest tree size, if any. */
export async function latestCheckpoint(db: Executor): Promise<StoredCheckpoint | undefined> {
  const row = await db
    .selectFrom('audit_checkpoints')
    .select(['body', 'frontier'])
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row === undefined ? undefined : fromRow(row)
}

/** The checkpoint with the largest tree size not above `treeSize`. */
export async function checkpointAtOrBelow(
  db: Executor,
  treeSize: number,
): Promise<StoredCheckpoint | undefined> {
  const row = await db
    .selectFrom('audit_checkpoints')
    .select(['body', 'frontier'])
    .where('tree_size', '<=', treeSize)
    .orderBy('tree_size', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row === undefined ? undefined : fromRow(row)
}

/** Checkpoints with tree size above `after`, oldest first, at most `limit`. */
export async function listCheckpoints(
  db: Executor,
  after = 0,
  limit = Number.MAX_SAFE_INTEGER,
): Promise<StoredCheckpoint[]> {
  const rows = await db
    .selectFrom('audit_checkpoints')
    .select(['body', 'frontier'])
    .where('tree_size', '>', after)
    .orderBy('tree_size')
    .limit(limit)
    .execute()
  return rows.map(fromRow)
}

/** The raw checkpoint bodies, oldest first, for the verifier (which parses them itself). */
export async function readCheckpointBodies(db: Executor): Promise<unknown[]> {
  const rows = await db
    .selectFrom('audit_checkpoints')
    .select('body')
    .orderBy('tree_size')
    .execute()
  return rows.map((row) => JSON.parse(row.body) as unknown)
}

export async function insertCheckpoint(
  db: Executor,
  stored: StoredCheckpoint,
  createdAt: number,
): Promise<void> {
  await db
    .insertInto('audit_checkpoints')
    .values({
      tree_size: stored.checkpoint.treeSize,
      body: JSON.stringify(stored.checkpoint),
      frontier: JSON.stringify(stored.frontier),
      created_at: createdAt,
    })
    .execute()
}
