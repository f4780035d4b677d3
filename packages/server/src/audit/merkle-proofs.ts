/**
 * Verification of RFC 9162 inclusion (§2.1.3.2) and consistency (§2.1.4.2) proofs.
 *
 * Both walk the proof while tracking the node's index (`fn`) and the last index of the tree
 * (`sn`) level by level; a proof is valid only if it ends exactly at the root (`sn` reaches 0)
 * with the expected hash. Sizes are ordinary numbers, so the arithmetic below uses division
 * rather than 32-bit shifts and stays exact up to 2^53.
 *
 * Two conventions follow the transparency-dev verifier so that shared test vectors agree: a
 * leaf hash must be 32 bytes, and a consistency proof from an empty tree is always rejected
 * (it would prove nothing, since every tree extends the empty one).
 */
import { HASH_BYTES } from './hashing.js'
import { hashChildren } from './merkle.js'

/** The outcome of checking a proof; `reason` says which check failed, for logs and reports. */
export type ProofCheck =
  { readonly valid: true } | { readonly valid: false; readonly reason: string }

const VALID: ProofCheck = { valid: true }

/**
 * Checks that `leafHash` is leaf `index` of the tree of `treeSize` leaves whose head is `root`.
 *
 * @example
 * verifyInclusion(hashLeaf(Buffer.from(event.hash, 'hex')), event.seq - 1, size, proof, root)
 */
export function verifyInclusion(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): ProofCheck {
  if (!isIndex(index) || !isIndex(treeSize) || index >= treeSize) {
    return invalid(`leaf index ${index} is not inside a tree of ${treeSize} leaves`)
  }
  if (leafHash.length !== HASH_BYTES) return invalid('the leaf hash is not 32 bytes')
  if (proof.some((hash) => hash.length !== HASH_BYTES))
    return invalid('a proof hash is not 32 bytes')

  const computed = rootFromInclusionProof(leafHash, index, treeSize, proof)
  if (computed === undefined) return invalid('the proof has the wrong length for this position')
  return equalBytes(computed, root) ? VALID : invalid('the proof leads to a different root')
}

/**
 * The root that an inclusion proof implies, or undefined when the proof's length does not fit
 * the position. Arguments are assumed checked (see `verifyInclusion`).
 */
export function rootFromInclusionProof(
  leafHash: Uint8Array,
  index: number,
  treeSize: number,
  proof: readonly Uint8Array[],
): Uint8Array | undefined {
  let fn = index
  let sn = treeSize - 1
  let hash = leafHash

  for (const sibling of proof) {
    if (sn === 0) return undefined

    if (isOdd(fn) || fn === sn) {
      hash = hashChildren(sibling, hash)
      // A left-edge node with no right sibling at this level is promoted unchanged.
      while (!isOdd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)]
    } else {
      hash = hashChildren(hash, sibling)
    }
    ;[fn, sn] = [half(fn), half(sn)]
  }
  return sn === 0 ? hash : undefined
}

/**
 * Checks that the tree of `size2` leaves with head `root2` extends the tree of `size1` leaves
 * with head `root1`, i.e. the log only appended between the two heads.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): ProofCheck {
  if (!isIndex(size1) || !isIndex(size2) || size1 > size2) {
    return invalid(`tree size ${size1} cannot precede tree size ${size2}`)
  }
  if (size1 === 0) return invalid('a consistency proof from the empty tree proves nothing')

  if (size1 === size2) {
    if (proof.length > 0) return invalid('equal tree sizes take an empty proof')
    return equalBytes(root1, root2) ? VALID : invalid('equal tree sizes with different roots')
  }
  if (proof.length === 0) return invalid('the proof is empty')
  if (proof.some((hash) => hash.length !== HASH_BYTES))
    return invalid('a proof hash is not 32 bytes')

  // When size1 is a power of two its root is a node of the larger tree and the proof omits it.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : proof
  let fn = size1 - 1
  let sn = size2 - 1
  while (isOdd(fn)) [fn, sn] = [half(fn), half(sn)]

  let firstRoot = path[0] as Uint8Array
  let secondRoot = firstRoot
  for (const sibling of path.slice(1)) {
    if (sn === 0) return invalid('the proof is longer than the path to the root')

    if (isOdd(fn) || fn === sn) {
      firstRoot = hashChildren(sibling, firstRoot)
      secondRoot = hashChildren(sibling, secondRoot)
      while (!isOdd(fn) && fn !== 0) [fn, sn] = [half(fn), half(sn)]
    } else {
      secondRoot = hashChildren(secondRoot, sibling)
    }
    ;[fn, sn] = [half(fn), half(sn)]
  }

  if (sn !== 0) return invalid('the proof is shorter than the path to the root')
  if (!equalBytes(firstRoot, root1)) return invalid('the proof does not lead to the first root')
  if (!equalBytes(secondRoot, root2)) return invalid('the proof does not lead to the second root')
  return VALID
}

function isIndex(n: number): boolean {
  return Number.isSafeInteger(n) && n >= 0
}

function isOdd(n: number): boolean {
  return n % 2 === 1
}

function half(n: number): number {
  return Math.floor(n / 2)
}

function isPowerOfTwo(n: number): boolean {
  let rest = n
  while (rest > 1 && rest % 2 === 0) rest /= 2
  return rest === 1
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

function invalid(reason: string): ProofCheck {
  return { valid: false, reason }
}
