/**
 * RFC 9162 inclusion and consistency proofs served from the stored log. Proof hashes over long
 * ranges come from the subtree heads the checkpointer stores (see subtree-store.ts), so a proof
 * reads O(log n) rows, plus the leaves of pieces under 1,024 leaves (a few thousand at most)
 * and of events not yet under a checkpoint. Tree heads at sizes without a checkpoint are
 * computed from the nearest checkpoint's frontier below them.
 */
import type { Kysely } from 'kysely'

import { buildConsistencyProof, buildInclusionProof } from '../merkle-proof-builder.js'
import { hashLeaf, MerkleFrontier } from '../merkle.js'
import type { SignedCheckpoint } from '../checkpoint.js'
import { RampartError } from '../../platform/errors.js'
import type { Database } from '../../store/schema.js'
import { withRegisteredErrors } from '../error-codes.js'
import { archivedThrough } from './archive-boundary.js'
import type { StoredCheckpoint } from './checkpoint-store.js'
import { checkpointAtOrBelow } from './checkpoint-store.js'
import { createEventHashSource } from './event-hash-source.js'

/** An inclusion proof; hashes are lowercase hex. */
export interface InclusionProof {
  readonly seq: number
  readonly leafIndex: number
  readonly treeSize: number
  /** The event's chain hash: the leaf input. */
  readonly eventHash: string
  /** SHA-256(0x00 ‖ event hash). */
  readonly leafHash: string
  readonly rootHash: string
  /** RFC 9162 inclusion path, deepest sibling first. */
  readonly inclusionPath: string[]
  /** The signed checkpoint at `treeSize`, when there is one. */
  readonly checkpoint?: SignedCheckpoint
}

export interface ConsistencyProof {
  readonly fromTreeSize: number
  readonly toTreeSize: number
  readonly fromRootHash: string
  readonly toRootHash: string
  /** RFC 9162 consistency path. */
  readonly consistencyPath: string[]
}

async function headSeq(db: Kysely<Database>): Promise<number> {
  const row = await db
    .selectFrom('audit_head')
    .select('seq')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  return Number(row.seq)
}

/** The tree head at `treeSize` and the checkpoint at exactly that size, if any. */
export async function treeHeadAt(
  db: Kysely<Database>,
  treeSize: number,
): Promise<{ rootHash: string; checkpoint?: SignedCheckpoint }> {
  const stored = await checkpointAtOrBelow(db, treeSize)
  if (stored?.checkpoint.treeSize === treeSize) {
    return { rootHash: stored.checkpoint.rootHash, checkpoint: stored.checkpoint }
  }

  const base = stored?.checkpoint.treeSize ?? 0
  const frontier =
    stored === undefined
      ? new MerkleFrontier()
      : MerkleFrontier.restore(
          base,
          stored.frontier.map((hash) => Buffer.from(hash, 'hex')),
        )
  const leaves = await createEventHashSource(db).readLeafHashes(base, treeSize)
  for (const leaf of leaves) frontier.appendLeafHash(leaf)
  return { rootHash: frontier.root().toString('hex') }
}

function checkSize(name: string, value: number, min: number, max: number): void {
  if (Number.isSafeInteger(value) && value >= min && value <= max) return
  throw new RampartError(
    'audit_range_invalid',
    `${name} ${value} is outside ${min}..${max} (the log holds ${max} events)`,
  )
}

/**
 * The checkpoint where retention's archive ends, when `lowest` (the smallest seq or tree size a
 * proof touches) is not above it: proofs about archived events come from the archive files.
 */
async function archiveBoundary(
  db: Kysely<Database>,
  name: string,
  lowest: number,
): Promise<StoredCheckpoint | undefined> {
  const archived = await archivedThrough(db)
  if (archived === 0) return undefined
  if (lowest < archived || (name === 'seq' && lowest === archived)) {
    throw new RampartError(
      'audit_range_archived',
      `${name} ${lowest} is in the archived range 1..${archived}; use the archive file`,
    )
  }
  return checkpointAtOrBelow(db, archived)
}

/** Proves event `seq` is in the tree of `treeSize` leaves (default: the whole log). */
export async function proveInclusion(
  db: Kysely<Database>,
  seq: number,
  treeSize?: number,
): Promise<InclusionProof> {
  const size = treeSize ?? (await headSeq(db))
  checkSize('treeSize', size, 1, await headSeq(db))
  checkSize('seq', seq, 1, size)

  const source = createEventHashSource(db, await archiveBoundary(db, 'seq', seq))
  const [path, head, event] = await Promise.all([
    withRegisteredErrors(() => buildInclusionProof(source, seq - 1, size)),
    treeHeadAt(db, size),
    db.selectFrom('audit_events').select('hash').where('seq', '=', seq).executeTakeFirstOrThrow(),
  ])
  return {
    seq,
    leafIndex: seq - 1,
    treeSize: size,
    eventHash: event.hash,
    leafHash: hashLeaf(Buffer.from(event.hash, 'hex')).toString('hex'),
    rootHash: head.rootHash,
    inclusionPath: path.map((hash) => hash.toString('hex')),
    ...(head.checkpoint === undefined ? {} : { checkpoint: head.checkpoint }),
  }
}

/** Proves the tree of `to` leaves extends the tree of `from` leaves. */
export async function proveConsistency(
  db: Kysely<Database>,
  from: number,
  to: number,
): Promise<ConsistencyProof> {
  checkSize('to', to, 1, await headSeq(db))
  checkSize('from', from, 1, to)

  const source = createEventHashSource(db, await archiveBoundary(db, 'from', from))
  const [path, first, second] = await Promise.all([
    withRegisteredErrors(() => buildConsistencyProof(source, from, to)),
    treeHeadAt(db, from),
    treeHeadAt(db, to),
  ])
  return {
    fromTreeSize: from,
    toTreeSize: to,
    fromRootHash: first.rootHash,
    toRootHash: second.rootHash,
    consistencyPath: path.map((hash) => hash.toString('hex')),
  }
}
