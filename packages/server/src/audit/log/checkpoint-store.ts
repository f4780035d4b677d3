/**
 * Reading and writing `audit_checkpoints`, and the leaf hashes proofs and checkpoints are
 * computed from.
 */
import type { Kysely, Transaction } from 'kysely'

import type { SignedCheckpoint } from '../checkpoint.js'
import { parseCheckpoint } from '../checkpoint.js'
import type { MerkleHashSource } from '../merkle-proof-builder.js'
import { hashLeaf, MerkleFrontier } from '../merkle.js'
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

/** The frontier of a checkpoint keyed by `level:index` of each perfect subtree it holds. */
function frontierSubtrees({
  checkpoint,
  frontier,
}: StoredCheckpoint): Map<string, { start: number; hash: Buffer }> {
  const subtrees = new Map<string, { start: number; hash: Buffer }>()
  let at = 0
  let position = 0
  for (let level = 52; level >= 0; level--) {
    const size = 2 ** level
    if (Math.floor(checkpoint.treeSize / size) % 2 === 0) continue
    const hash = frontier[position++]
    if (hash !== undefined) {
      subtrees.set(`${level}:${at / size}`, { start: at, hash: Buffer.from(hash, 'hex') })
    }
    at += size
  }
  return subtrees
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

/**
 * Leaf hashes straight from the events table: leaf `i` is event `i + 1`'s chain hash. After
 * retention archived a prefix, `archived` (the checkpoint at its end) supplies the heads of the
 * perfect subtrees over the archived leaves, which are all a proof about later leaves needs.
 */
export function createEventHashSource(db: Executor, archived?: StoredCheckpoint): MerkleHashSource {
  const readLeafHashes = async (start: number, end: number) => {
    const rows = await db
      .selectFrom('audit_events')
      .select('hash')
      .where('seq', '>', start)
      .where('seq', '<=', end)
      .orderBy('seq')
      .execute()
    if (rows.length !== end - start) {
      throw new Error(`audit events ${start + 1}..${end} are incomplete (${rows.length} rows)`)
    }
    return rows.map((row) => hashLeaf(Buffer.from(row.hash, 'hex')))
  }
  if (archived === undefined) return { readLeafHashes }

  const boundary = archived.checkpoint.treeSize
  const pieces = frontierSubtrees(archived)
  return {
    readLeafHashes,
    readSubtreeHash: async (level, index) => {
      const start = index * 2 ** level
      const end = start + 2 ** level
      if (start >= boundary) return undefined
      if (end <= boundary) return pieces.get(`${level}:${index}`)?.hash
      // Straddling the boundary: the archived part is a run of the checkpoint's frontier
      // subtrees (the subtree is aligned, so they start at its first leaf); the rest are leaves.
      const archivedPart = [...pieces.values()].filter((piece) => piece.start >= start)
      const frontier = MerkleFrontier.restore(
        boundary - start,
        archivedPart.map((piece) => piece.hash),
      )
      for (const leaf of await readLeafHashes(boundary, end)) frontier.appendLeafHash(leaf)
      return frontier.root()
    },
  }
}
