/**
 * Where proofs over the stored log read hashes from: leaf `i` is event `i + 1`'s chain hash in
 * `audit_events`, large subtrees come from `audit_subtrees` when the checkpointer has stored
 * them, and after retention archived a prefix, the checkpoint at its end supplies the heads of
 * the perfect subtrees over the archived leaves, which are all a proof about later leaves needs.
 */
import type { Kysely, Transaction } from 'kysely'

import type { MerkleHashSource } from '../merkle-proof-builder.js'
import { perfectSubtrees, readPerfectSubtree } from '../merkle-proof-builder.js'
import { hashLeaf, MerkleFrontier } from '../merkle.js'
import type { Database } from '../../store/schema.js'
import type { StoredCheckpoint } from './checkpoint-store.js'
import { readStoredSubtree } from './subtree-store.js'

type Executor = Kysely<Database> | Transaction<Database>

interface FrontierPiece {
  readonly level: number
  readonly start: number
  readonly hash: Buffer
}

/** Hashes of the stored log, for proofs; `archived` is the checkpoint where retention ended. */
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
  if (archived === undefined) {
    return {
      readLeafHashes,
      readSubtreeHash: (level, index) => readStoredSubtree(db, level, index),
    }
  }

  const boundary = archived.checkpoint.treeSize
  const pieces = frontierPieces(archived)
  const source: MerkleHashSource = {
    readLeafHashes,
    readSubtreeHash: async (level, index) => {
      const start = index * 2 ** level
      const end = start + 2 ** level
      if (start >= boundary) return readStoredSubtree(db, level, index)
      if (end <= boundary) {
        return pieces.find((piece) => piece.level === level && piece.start === start)?.hash
      }
      // Straddling the boundary: the archived part is a run of the checkpoint's frontier
      // subtrees (the subtree is aligned, so they start at its first leaf); the rest splits
      // into aligned pieces, each stored or folded from its leaves.
      const archivedPart = pieces.filter((piece) => piece.start >= start)
      const frontier = MerkleFrontier.restore(
        boundary - start,
        archivedPart.map((piece) => piece.hash),
      )
      for (const piece of perfectSubtrees({ start: boundary, end })) {
        frontier.appendSubtreeHash(piece.level, await readPerfectSubtree(source, piece))
      }
      return frontier.root()
    },
  }
  return source
}

/** The perfect subtrees a checkpoint's frontier holds, largest (leftmost) first. */
function frontierPieces({ checkpoint, frontier }: StoredCheckpoint): FrontierPiece[] {
  const pieces: FrontierPiece[] = []
  let start = 0
  let position = 0
  for (let level = 52; level >= 0; level--) {
    const size = 2 ** level
    if (Math.floor(checkpoint.treeSize / size) % 2 === 0) continue
    const hash = frontier[position++]
    if (hash !== undefined) pieces.push({ level, start, hash: Buffer.from(hash, 'hex') })
    start += size
  }
  return pieces
}
