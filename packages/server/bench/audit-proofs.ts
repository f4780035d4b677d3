/**
 * Proofs over a stored log, for bench/audit-append.ts: an inclusion proof for the first event
 * and a consistency proof from the first 1,000 events to the head, served from the subtree
 * heads the checkpointer stores; the anchor is the same two proofs with that table emptied,
 * so every proof hash is folded from leaf hashes (as before the table existed).
 */
import { performance } from 'node:perf_hooks'

import { createDueCheckpoints } from '../src/audit/log/checkpointer.js'
import { proveConsistency, proveInclusion } from '../src/audit/log/proofs.js'
import { generateSigningKey } from '../src/audit/signing-key.js'
import { systemClock } from '../src/platform/clock.js'
import type { Store } from '../src/store/database.js'

/** The median of three timings, in ms. */
async function medianMs(run: () => Promise<unknown>): Promise<number> {
  const times: number[] = []
  for (let round = 0; round < 3; round++) {
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
  }
  return times.sort((a, b) => a - b)[1] as number
}

/** Checkpoints the log (storing subtree heads), then times both proofs with and without. */
export async function benchProofs(
  store: Store,
  treeSize: number,
): Promise<Record<string, unknown>> {
  const key = generateSigningKey()
  await createDueCheckpoints(
    { db: store.db, clock: systemClock, key: () => key, everyEvents: 10_000, intervalMs: 0 },
    true,
  )
  const prove = () =>
    Promise.all([proveInclusion(store.db, 1, treeSize), proveConsistency(store.db, 1000, treeSize)])

  const storedMs = await medianMs(prove)
  await store.db.deleteFrom('audit_subtrees').execute()
  const leavesMs = await medianMs(prove)
  return {
    bench: 'audit.proofs',
    dialect: store.dialect,
    treeSize,
    inclusionAndConsistencyMs: Number(storedMs.toFixed(1)),
    anchor: 'the same proofs folded from every leaf hash',
    anchorMs: Number(leavesMs.toFixed(1)),
    ratio: Number((leavesMs / storedMs).toFixed(1)),
  }
}
