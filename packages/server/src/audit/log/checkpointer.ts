/**
 * Making checkpoints: extends the Merkle tree from the last checkpoint's frontier over the new
 * events, checking as it reads that each event still hashes to its stored hash (a broken
 * chain is never signed), and signs a checkpoint at every `everyEvents` boundary and, when
 * `intervalMs` has passed since the last one, at the head. The large subtrees it completes on
 * the way are stored with the checkpoint, for proofs (see subtree-store.ts).
 */
import type { Kysely } from 'kysely'

import { ChainHasher } from '../chain.js'
import type { SignedCheckpoint } from '../checkpoint.js'
import { createCheckpoint } from '../checkpoint.js'
import { GENESIS_HASH } from '../hashing.js'
import { MerkleFrontier } from '../merkle.js'
import type { AuditSigningKey } from '../signing-key.js'
import type { Clock } from '../../platform/clock.js'
import type { JobQueue } from '../../platform/jobs/job-queue.js'
import type { Database } from '../../store/schema.js'
import type { StoredCheckpoint } from './checkpoint-store.js'
import { insertCheckpoint, latestCheckpoint } from './checkpoint-store.js'
import type { StoredSubtree } from './subtree-store.js'
import { STORED_SUBTREE_LEVEL, insertSubtrees } from './subtree-store.js'

/** Job kind that delivers a checkpoint to the configured witness URL. */
export const WITNESS_JOB = 'audit.checkpoint.witness'

const readPage = 10_000

export interface CheckpointerOptions {
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly key: () => AuditSigningKey
  readonly everyEvents: number
  readonly intervalMs: number
  /** Enqueue a witness delivery for each checkpoint when set. */
  readonly jobs?: JobQueue
}

/** Signs the checkpoints that are due; returns them (none when nothing is due). */
export async function createDueCheckpoints(
  options: CheckpointerOptions,
  force = false,
): Promise<SignedCheckpoint[]> {
  const { db, clock, everyEvents, intervalMs } = options
  const head = await db
    .selectFrom('audit_head')
    .select('seq')
    .where('id', '=', 1)
    .executeTakeFirstOrThrow()
  const headSeq = Number(head.seq)
  const last = await latestCheckpoint(db)
  const lastSize = last?.checkpoint.treeSize ?? 0
  if (headSeq <= lastSize) return []

  const targets: number[] = []
  for (let size = lastSize + everyEvents; size <= headSeq; size += everyEvents) targets.push(size)
  const lastAt = last === undefined ? 0 : Date.parse(last.checkpoint.timestamp)
  const timeDue = force || clock.now() - lastAt >= intervalMs
  if (timeDue && targets.at(-1) !== headSeq) targets.push(headSeq)
  if (targets.length === 0) return []

  return extendAndSign(options, last, targets)
}

async function extendAndSign(
  options: CheckpointerOptions,
  last: StoredCheckpoint | undefined,
  targets: readonly number[],
): Promise<SignedCheckpoint[]> {
  const { db, clock } = options
  const lastSize = last?.checkpoint.treeSize ?? 0
  const frontier =
    last === undefined
      ? new MerkleFrontier()
      : MerkleFrontier.restore(
          lastSize,
          last.frontier.map((hash) => Buffer.from(hash, 'hex')),
        )
  let headHash = last?.checkpoint.lastEventHash ?? GENESIS_HASH
  const hasher = new ChainHasher(Buffer.from(headHash, 'hex'))

  let previous = last?.checkpoint
  const made: SignedCheckpoint[] = []
  // Large subtrees the tree completes on the way, stored with the checkpoint that covers them.
  let subtrees: StoredSubtree[] = []
  const keepSubtree = (level: number, index: number, hash: Buffer) => {
    if (level >= STORED_SUBTREE_LEVEL) subtrees.push({ level, index, hash })
  }
  const end = targets.at(-1) ?? lastSize
  let nextTarget = 0

  for (let from = lastSize; from < end; from += readPage) {
    const rows = await db
      .selectFrom('audit_events')
      .select(['seq', 'body', 'hash', 'prev_hash'])
      .where('seq', '>', from)
      .where('seq', '<=', Math.min(end, from + readPage))
      .orderBy('seq')
      .execute()

    for (const row of rows) {
      const seq = Number(row.seq)
      if (seq !== frontier.size + 1 || row.prev_hash !== headHash) {
        throw new Error(`the audit chain is broken at seq ${frontier.size + 1}; run audit verify`)
      }
      const hash = hasher.next(row.body)
      if (hash.toString('hex') !== row.hash) {
        throw new Error(`audit event ${seq} does not match its hash; run audit verify`)
      }
      frontier.appendLeafInput(hash, keepSubtree)
      headHash = row.hash

      if (seq !== targets[nextTarget]) continue
      nextTarget++
      const input = {
        treeSize: seq,
        rootHash: frontier.root().toString('hex'),
        lastEventHash: headHash,
        timestamp: new Date(clock.now()),
      }
      const checkpoint = createCheckpoint(
        previous === undefined ? input : { ...input, previous },
        options.key(),
      )
      const stored = { checkpoint, frontier: frontier.hashes.map((item) => item.toString('hex')) }
      const covered = subtrees
      subtrees = []
      await db.transaction().execute(async (tx) => {
        await insertSubtrees(tx, covered)
        await insertCheckpoint(tx, stored, clock.now())
        await options.jobs?.enqueue(
          WITNESS_JOB,
          { treeSize: seq },
          { dedupKey: `${WITNESS_JOB}:${seq}` },
          tx,
        )
      })
      made.push(checkpoint)
      previous = checkpoint
    }
    if (rows.length === 0) throw new Error(`audit events after seq ${from} are missing`)
  }
  return made
}
