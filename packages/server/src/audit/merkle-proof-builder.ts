/**
 * Generation of RFC 9162 inclusion (§2.1.3.1) and consistency (§2.1.4.1) proofs from a store
 * of leaf hashes.
 *
 * Every hash in such a proof is the head of a subtree of the log's tree, and every such
 * subtree is a run of perfect subtrees (2^level leaves starting at a multiple of 2^level). A
 * store that keeps the hashes of perfect subtrees at some levels answers a proof in O(log n)
 * reads; one that keeps only leaf hashes still works, reading the leaves under each subtree.
 */
import { AuditCoreError } from './errors.js'
import { HASH_BYTES } from './hashing.js'
import { MerkleFrontier, hashChildren, largestPowerOfTwoBelow } from './merkle.js'

/** Where proof generation reads hashes from; the audit store implements this. */
export interface MerkleHashSource {
  /** The leaf hashes of leaves `start` to `end - 1`, in order. */
  readLeafHashes(start: number, end: number): Promise<readonly Uint8Array[]>
  /**
   * The head of the perfect subtree of `2 ** level` leaves starting at leaf
   * `index * 2 ** level` (at level 0, the leaf hash), if the store keeps it; undefined to have
   * it computed from leaves.
   */
  readSubtreeHash?(level: number, index: number): Promise<Uint8Array | undefined>
}

/** Leaves `start` (inclusive) to `end` (exclusive) whose subtree head a proof needs. */
export interface LeafRange {
  readonly start: number
  readonly end: number
}

/** A hash source over leaf hashes held in memory (tests, the offline verifier, small logs). */
export function createMemoryHashSource(leafHashes: readonly Uint8Array[]): MerkleHashSource {
  return {
    readLeafHashes: (start, end) => Promise.resolve(leafHashes.slice(start, end)),
  }
}

/** The inclusion proof (audit path) for leaf `index` in the tree of `treeSize` leaves. */
export async function buildInclusionProof(
  source: MerkleHashSource,
  index: number,
  treeSize: number,
): Promise<Buffer[]> {
  const ranges = inclusionProofRanges(index, treeSize)
  return Promise.all(ranges.map((range) => readRangeHash(source, range)))
}

/** The consistency proof from the tree of `size1` leaves to the tree of `size2` leaves. */
export async function buildConsistencyProof(
  source: MerkleHashSource,
  size1: number,
  size2: number,
): Promise<Buffer[]> {
  const ranges = consistencyProofRanges(size1, size2)
  return Promise.all(ranges.map((range) => readRangeHash(source, range)))
}

/** The subtrees whose heads form the inclusion proof, deepest first (RFC 9162 PATH). */
export function inclusionProofRanges(index: number, treeSize: number): LeafRange[] {
  checkSize(treeSize)
  if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
    throw rangeError(`leaf index ${index} is not inside a tree of ${treeSize} leaves`)
  }

  const ranges: LeafRange[] = []
  let start = 0
  let end = treeSize
  // Descend from the root towards the leaf; each step's sibling joins the proof.
  while (end - start > 1) {
    const split = start + largestPowerOfTwoBelow(end - start)
    if (index < split) {
      ranges.push({ start: split, end })
      end = split
    } else {
      ranges.push({ start, end: split })
      start = split
    }
  }
  return ranges.reverse()
}

/** The subtrees whose heads form the consistency proof, deepest first (RFC 9162 SUBPROOF). */
export function consistencyProofRanges(size1: number, size2: number): LeafRange[] {
  checkSize(size2)
  if (!Number.isSafeInteger(size1) || size1 < 1 || size1 > size2) {
    throw rangeError(`no consistency proof from tree size ${size1} to ${size2}`)
  }

  const ranges: LeafRange[] = []
  let start = 0
  let end = size2
  const boundary = size1
  // True while the old tree's head is itself a node on the path and so can be left out.
  let headIsOmitted = true
  while (boundary !== end) {
    const split = start + largestPowerOfTwoBelow(end - start)
    if (boundary <= split) {
      ranges.push({ start: split, end })
      end = split
    } else {
      ranges.push({ start, end: split })
      start = split
      headIsOmitted = false
    }
  }
  if (!headIsOmitted) ranges.push({ start, end })
  return ranges.reverse()
}

/** The head of the subtree over leaves [start, end), as RFC 9162 MTH defines it. */
export async function readRangeHash(source: MerkleHashSource, range: LeafRange): Promise<Buffer> {
  const pieces = perfectSubtrees(range)
  const hashes = await Promise.all(pieces.map((piece) => readPerfectSubtree(source, piece)))

  // The pieces shrink left to right, so MTH folds them from the right.
  let head = hashes.pop() as Buffer
  while (hashes.length > 0) head = hashChildren(hashes.pop() as Buffer, head)
  return head
}

/** The perfect subtree of `2 ** level` leaves from leaf `index * 2 ** level`. */
export interface PerfectSubtree {
  readonly level: number
  readonly index: number
}

/**
 * Splits [start, end) into aligned perfect subtrees, in leaf order. For a range a proof needs
 * (which starts at a multiple of a power of two at least its length) they shrink left to right.
 */
export function perfectSubtrees({ start, end }: LeafRange): PerfectSubtree[] {
  const pieces: PerfectSubtree[] = []
  let at = start
  while (at < end) {
    let level = 0
    while (at % 2 ** (level + 1) === 0 && at + 2 ** (level + 1) <= end) level++
    pieces.push({ level, index: at / 2 ** level })
    at += 2 ** level
  }
  return pieces
}

/** The head of one perfect subtree: the source's stored hash, or folded from its leaves. */
export async function readPerfectSubtree(
  source: MerkleHashSource,
  piece: PerfectSubtree,
): Promise<Buffer> {
  if (source.readSubtreeHash !== undefined) {
    const stored = await source.readSubtreeHash(piece.level, piece.index)
    if (stored !== undefined) return checkedHash(stored)
  }

  const count = 2 ** piece.level
  const start = piece.index * count
  const leaves = await source.readLeafHashes(start, start + count)
  if (leaves.length !== count) {
    throw new AuditCoreError(
      'AUDIT_MERKLE_SOURCE_INVALID',
      `asked for ${count} leaf hashes from ${start}, got ${leaves.length}`,
    )
  }

  const frontier = new MerkleFrontier()
  for (const leaf of leaves) frontier.appendLeafHash(checkedHash(leaf))
  return frontier.root()
}

function checkedHash(hash: Uint8Array): Buffer {
  if (hash.length !== HASH_BYTES) {
    throw new AuditCoreError(
      'AUDIT_MERKLE_SOURCE_INVALID',
      'the source returned a hash that is not 32 bytes',
    )
  }
  return Buffer.from(hash)
}

function checkSize(treeSize: number): void {
  if (!Number.isSafeInteger(treeSize) || treeSize < 1) {
    throw rangeError(`tree size ${treeSize} is not a positive safe integer`)
  }
}

function rangeError(message: string): AuditCoreError {
  return new AuditCoreError('AUDIT_MERKLE_RANGE_INVALID', message)
}
