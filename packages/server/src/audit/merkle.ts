/**
 * RFC 6962 / RFC 9162 §2.1.1 Merkle tree hashing, and the tree head over a growing log.
 *
 *     leaf hash = SHA-256(0x00 ‖ leaf input)       node hash = SHA-256(0x01 ‖ left ‖ right)
 *     MTH({}) = SHA-256("")                         MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))
 *
 * where k is the largest power of two smaller than n. In the audit log the leaf input of event
 * `seq` is its 32-byte chain hash, at leaf index `seq - 1`: the tree commits to the chain, and
 * an inclusion proof for an event needs only the event and its `prevHash`.
 */
import { AuditCoreError } from './errors.js'
import { HASH_BYTES, sha256 } from './hashing.js'
import { sha256PrefixedOne, sha256PrefixedTwo } from './sha256-small.js'

/** The root of the empty tree: SHA-256 of no bytes. */
export const EMPTY_TREE_ROOT: Buffer = sha256(new Uint8Array(0))

const LEAF_PREFIX = 0x00
const NODE_PREFIX = 0x01

/** SHA-256(0x00 ‖ input). */
export function hashLeaf(input: Uint8Array): Buffer {
  if (input.length === HASH_BYTES) return sha256PrefixedOne(LEAF_PREFIX, input)
  return sha256(Buffer.concat([Uint8Array.of(LEAF_PREFIX), input]))
}

/** SHA-256(0x01 ‖ left ‖ right). */
export function hashChildren(left: Uint8Array, right: Uint8Array): Buffer {
  if (left.length === HASH_BYTES && right.length === HASH_BYTES) {
    return sha256PrefixedTwo(NODE_PREFIX, left, right)
  }
  return sha256(Buffer.concat([Uint8Array.of(NODE_PREFIX), left, right]))
}

/**
 * The right frontier of a tree that grows by appending: one hash per set bit of its size, the
 * roots of its perfect subtrees from the largest (leftmost) to the smallest. Appending is
 * amortised O(1) hashes and at worst O(log n); the root costs O(log n). Storing the frontier
 * with a checkpoint lets the tree be resumed without reading old leaves.
 *
 * @example
 * const tree = new MerkleFrontier()
 * for (const event of chained) tree.appendLeafInput(Buffer.from(event.hash, 'hex'))
 * const root = tree.root().toString('hex')
 */
export class MerkleFrontier {
  #size: number
  readonly #hashes: Buffer[]

  constructor() {
    this.#size = 0
    this.#hashes = []
  }

  /** Resumes a tree from a stored frontier; the count of hashes must match the size's bits. */
  static restore(size: number, hashes: readonly Uint8Array[]): MerkleFrontier {
    if (!Number.isSafeInteger(size) || size < 0) {
      throw rangeError(`tree size ${size} is not a non-negative safe integer`)
    }
    if (countSetBits(size) !== hashes.length) {
      throw rangeError(`a tree of ${size} leaves has ${countSetBits(size)} frontier hashes`)
    }
    if (hashes.some((hash) => hash.length !== HASH_BYTES)) {
      throw rangeError('frontier hashes must be 32 bytes')
    }

    const frontier = new MerkleFrontier()
    frontier.#size = size
    frontier.#hashes.push(...hashes.map((hash) => Buffer.from(hash)))
    return frontier
  }

  /** Number of leaves appended so far. */
  get size(): number {
    return this.#size
  }

  /** The frontier hashes, largest subtree first (copies). */
  get hashes(): Buffer[] {
    return this.#hashes.map((hash) => Buffer.from(hash))
  }

  /**
   * Appends a leaf by its input (for the audit log: the event's 32-byte chain hash). When
   * `completed` is given, it hears of every perfect subtree above the leaf level that the new
   * leaf completes (a store keeps some of them to answer proofs without reading every leaf).
   */
  appendLeafInput(input: Uint8Array, completed?: CompletedSubtree): void {
    this.#append(hashLeaf(input), completed)
  }

  /** Appends a leaf by its already computed leaf hash. */
  appendLeafHash(leafHash: Uint8Array): void {
    if (leafHash.length !== HASH_BYTES) throw rangeError('a leaf hash must be 32 bytes')
    this.#append(Buffer.from(leafHash))
  }

  /**
   * Appends a whole perfect subtree of `2 ** level` leaves by its head. The tree's size must be
   * a multiple of its leaf count, as it is for the aligned pieces a range splits into.
   */
  appendSubtreeHash(level: number, head: Uint8Array): void {
    if (!Number.isSafeInteger(level) || level < 0 || this.#size % 2 ** level !== 0) {
      throw rangeError(`a subtree of 2^${level} leaves cannot follow ${this.#size} leaves`)
    }
    if (head.length !== HASH_BYTES) throw rangeError('a subtree head must be 32 bytes')
    this.#append(Buffer.from(head), undefined, level)
  }

  #append(head: Buffer, completed?: CompletedSubtree, headLevel = 0): void {
    let merged = head
    const added = 2 ** headLevel

    // Each trailing set bit of the old size (counted in units of the new piece) is a perfect
    // subtree the new piece completes.
    let level = headLevel
    for (let size = this.#size / added; size % 2 === 1; size = Math.floor(size / 2)) {
      const left = this.#hashes.pop()
      if (left === undefined) throw new Error('frontier out of step with its size')
      merged = hashChildren(left, merged)
      level++
      // The subtree ends where the new piece ends: its index is the new size in its units - 1.
      completed?.(level, (this.#size + added) / 2 ** level - 1, merged)
    }
    this.#hashes.push(merged)
    this.#size += added
  }

  /** The Merkle tree head over every leaf so far. */
  root(): Buffer {
    const last = this.#hashes.length - 1
    let root = this.#hashes[last]
    if (root === undefined) return Buffer.from(EMPTY_TREE_ROOT)

    for (let index = last - 1; index >= 0; index--) {
      root = hashChildren(this.#hashes[index] as Buffer, root)
    }
    return root
  }

  /** An independent copy. */
  clone(): MerkleFrontier {
    return MerkleFrontier.restore(this.#size, this.#hashes)
  }
}

/**
 * Told of a perfect subtree of `2 ** level` leaves that starts at leaf `index * 2 ** level`,
 * with its head.
 */
export type CompletedSubtree = (level: number, index: number, hash: Buffer) => void

/** The Merkle tree head over a list of leaf hashes. */
export function computeRoot(leafHashes: readonly Uint8Array[]): Buffer {
  const frontier = new MerkleFrontier()
  for (const leafHash of leafHashes) frontier.appendLeafHash(leafHash)
  return frontier.root()
}

/** The largest power of two strictly smaller than `n` (n ≥ 2). */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

function countSetBits(n: number): number {
  let count = 0
  for (let rest = n; rest > 0; rest = Math.floor(rest / 2)) count += rest % 2
  return count
}

function rangeError(message: string): AuditCoreError {
  return new AuditCoreError('AUDIT_MERKLE_RANGE_INVALID', message)
}
