import { afterEach, expect, it } from 'vitest'

import { describeEachDialect, createTestDatabase } from '../../test-support/stores.js'
import type { TestDatabase } from '../../test-support/stores.js'
import type { Store } from '../../store/database.js'
import type { MerkleHashSource } from '../merkle-proof-builder.js'
import {
  buildConsistencyProof,
  buildInclusionProof,
  createMemoryHashSource,
} from '../merkle-proof-builder.js'
import { verifyConsistency, verifyInclusion } from '../merkle-proofs.js'
import { computeRoot, hashLeaf } from '../merkle.js'
import { createEventHashSource } from './event-hash-source.js'
import { createLogFixture, sampleEvent } from './fixture.js'
import { proveConsistency, proveInclusion } from './proofs.js'

const EVENTS = 5000

/** Tree sizes around the stored subtrees' edges (1,024, 2,048 and 4,096 leaves). */
const SIZES = [1, 2, 3, 1023, 1024, 1025, 2047, 2048, 2049, 3000, 3072, 4095, 4096, 4097, 5000]
const SEQS = [1, 2, 512, 1024, 1025, 2048, 2049, 3000, 4096, 4097]

/** A stored log of `EVENTS` events, checkpointed every 1,000, and its leaf hashes. */
async function checkpointedLog(store: Store): Promise<Buffer[]> {
  const fixture = createLogFixture(store)
  const hashes: Buffer[] = []
  for (let start = 0; start < EVENTS; start += 1000) {
    const batch = Array.from({ length: 1000 }, (_, index) => sampleEvent(start + index))
    const chained = await fixture.log.appendBatch(batch)
    hashes.push(...chained.map((event) => Buffer.from(event.hash, 'hex')))
  }
  await fixture.checkpoint(1000)
  return hashes.map((hash) => hashLeaf(hash))
}

const hex = (hashes: readonly Buffer[]) => hashes.map((hash) => hash.toString('hex'))

async function expectProofsFromScratch(
  store: Store,
  leaves: readonly Buffer[],
  sizes: readonly number[] = SIZES,
): Promise<void> {
  const scratch = createMemoryHashSource(leaves)
  for (const size of sizes) {
    const root = computeRoot(leaves.slice(0, size))
    for (const seq of [...SEQS, size - 1, size].filter((item) => item >= 1 && item <= size)) {
      const proof = await proveInclusion(store.db, seq, size)
      const expected = await buildInclusionProof(scratch, seq - 1, size)
      expect(proof.inclusionPath, `seq ${seq} in ${size}`).toEqual(hex(expected))
      expect(proof.rootHash).toBe(root.toString('hex'))
      const path = expected
      expect(verifyInclusion(leaves[seq - 1]!, seq - 1, size, path, root).valid).toBe(true)
    }
    for (const from of SIZES.filter((item) => item <= size)) {
      const proof = await proveConsistency(store.db, from, size)
      const expected = await buildConsistencyProof(scratch, from, size)
      expect(proof.consistencyPath, `${from} to ${size}`).toEqual(hex(expected))
      const fromRoot = computeRoot(leaves.slice(0, from))
      expect(verifyConsistency(from, size, fromRoot, root, expected).valid).toBe(true)
    }
  }
}

/** Counts the leaf hashes a source hands out. */
function countingLeaves(source: MerkleHashSource): { source: MerkleHashSource; read(): number } {
  let read = 0
  const counted: MerkleHashSource = {
    ...source,
    readLeafHashes: async (start, end) => {
      const leaves = await source.readLeafHashes(start, end)
      read += leaves.length
      return leaves
    },
  }
  return { source: counted, read: () => read }
}

describeEachDialect('audit proofs from stored subtrees', (dialect) => {
  let database: TestDatabase | undefined
  afterEach(() => database?.dispose())

  it('stores the head of every subtree of 1,024 leaves or more under a checkpoint', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    const leaves = await checkpointedLog(store)

    const rows = await store.db
      .selectFrom('audit_subtrees')
      .select(['level', 'subtree_index', 'hash'])
      .orderBy('level')
      .orderBy('subtree_index')
      .execute()
    const expected = [
      [10, 0],
      [10, 1],
      [10, 2],
      [10, 3],
      [11, 0],
      [11, 1],
      [12, 0],
    ].map(([level, index]) => {
      const start = index! * 2 ** level!
      const hash = computeRoot(leaves.slice(start, start + 2 ** level!)).toString('hex')
      return { level, subtree_index: index, hash }
    })
    expect(rows.map((row) => ({ ...row, subtree_index: Number(row.subtree_index) }))).toEqual(
      expected,
    )
  })

  it(
    'gives the same proofs as computing from every leaf, with and without stored subtrees',
    {
      timeout: 120_000,
    },
    async () => {
      database = await createTestDatabase(dialect)
      const store = await database.open()
      const leaves = await checkpointedLog(store)

      await expectProofsFromScratch(store, leaves)
      // A log checkpointed before the subtree table existed: every hash folded from leaves.
      await store.db.deleteFrom('audit_subtrees').execute()
      await expectProofsFromScratch(store, leaves, [1025, 4097, 5000])
    },
  )

  it('reads a fraction of the leaves for a proof over a large tree', async () => {
    database = await createTestDatabase(dialect)
    const store = await database.open()
    await checkpointedLog(store)

    const stored = countingLeaves(createEventHashSource(store.db))
    const plain = createEventHashSource(store.db)
    const leavesOnly = countingLeaves({
      readLeafHashes: (start, end) => plain.readLeafHashes(start, end),
    })
    const withStored = await buildInclusionProof(stored.source, 0, EVENTS)
    const fromLeaves = await buildInclusionProof(leavesOnly.source, 0, EVENTS)

    expect(hex(withStored)).toEqual(hex(fromLeaves))
    expect(leavesOnly.read()).toBe(EVENTS - 1)
    // Levels 0-9 next to leaf 0 (1,023 leaves), and the 904 leaves past the last 4,096 whose
    // pieces are smaller than 1,024 leaves.
    expect(stored.read()).toBe(1023 + 904)
  })
})
