import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { findTestdata } from '../test-support/testdata.js'
import { AuditCoreError } from './errors.js'
import { sha256 } from './hashing.js'
import {
  buildConsistencyProof,
  buildInclusionProof,
  consistencyProofRanges,
  createMemoryHashSource,
  inclusionProofRanges,
} from './merkle-proof-builder.js'
import type { MerkleHashSource } from './merkle-proof-builder.js'
import { verifyConsistency, verifyInclusion } from './merkle-proofs.js'
import { EMPTY_TREE_ROOT, MerkleFrontier, computeRoot, hashChildren, hashLeaf } from './merkle.js'

interface ReferenceTree {
  leaf_inputs: string[]
  node_hashes_by_level: string[][]
  root_hashes_by_tree_size: string[]
}

const directory = findTestdata('merkle')
const hex = (value: Uint8Array) => Buffer.from(value).toString('hex')
const NONE = Buffer.alloc(0)

/** A naive MTH straight from the RFC's recursive definition, to check the fast paths. */
function naiveRoot(leaves: readonly Buffer[]): Buffer {
  if (leaves.length === 0) return sha256(Buffer.alloc(0))
  if (leaves.length === 1) return leaves[0] as Buffer
  let k = 1
  while (k * 2 < leaves.length) k *= 2
  return hashChildren(naiveRoot(leaves.slice(0, k)), naiveRoot(leaves.slice(k)))
}

const leafHashes = Array.from({ length: 64 }, (_, index) =>
  hashLeaf(sha256(Buffer.from(`leaf ${index}`))),
)

describe.skipIf(directory === undefined)('the reference tree', () => {
  const tree = JSON.parse(
    readFileSync(join(directory ?? '', 'reference-tree.json'), 'utf8'),
  ) as ReferenceTree
  const leaves = tree.leaf_inputs.map((input) => hashLeaf(Buffer.from(input, 'hex')))

  it('hashes the leaves as the reference does', () => {
    expect(leaves.map(hex)).toEqual(tree.node_hashes_by_level[0])
  })

  it.each(tree.root_hashes_by_tree_size.map((root, size) => [size, root]))(
    'computes the head of the first %i leaves',
    (size, root) => {
      expect(hex(computeRoot(leaves.slice(0, size)))).toBe(root)
    },
  )

  it('has interior nodes equal to perfect-subtree heads', async () => {
    const source = createMemoryHashSource(leaves)
    const [, level1 = [], level2 = []] = tree.node_hashes_by_level

    expect(hex(await buildInclusionProof(source, 0, 2).then((proof) => proof[0] ?? NONE))).toBe(
      hex(leaves[1] ?? NONE),
    )
    expect(hex(hashChildren(leaves[0] ?? NONE, leaves[1] ?? NONE))).toBe(level1[0])
    expect(hex(computeRoot(leaves.slice(4, 8)))).toBe(level2[1])
  })

  it('builds proofs that verify against the reference roots', async () => {
    const source = createMemoryHashSource(leaves)
    const rootOf = (size: number) => Buffer.from(tree.root_hashes_by_tree_size[size] ?? '', 'hex')

    for (let size = 1; size <= 8; size++) {
      for (let index = 0; index < size; index++) {
        const proof = await buildInclusionProof(source, index, size)
        const leaf = leaves[index] ?? Buffer.alloc(0)
        expect(verifyInclusion(leaf, index, size, proof, rootOf(size))).toEqual({ valid: true })
      }
      for (let older = 1; older <= size; older++) {
        const proof = await buildConsistencyProof(source, older, size)
        const check = verifyConsistency(older, size, rootOf(older), rootOf(size), proof)
        expect(check).toEqual({ valid: true })
      }
    }
  })
})

describe('MerkleFrontier', () => {
  it('keeps the head equal to the recursive definition at every size', () => {
    const frontier = new MerkleFrontier()
    expect(frontier.root()).toEqual(EMPTY_TREE_ROOT)

    leafHashes.forEach((leaf, index) => {
      frontier.appendLeafHash(leaf)
      expect(frontier.size).toBe(index + 1)
      expect(hex(frontier.root())).toBe(hex(naiveRoot(leafHashes.slice(0, index + 1))))
    })
  })

  it('resumes from its stored frontier', () => {
    const original = new MerkleFrontier()
    leafHashes.slice(0, 45).forEach((leaf) => original.appendLeafHash(leaf))
    const resumed = MerkleFrontier.restore(original.size, original.hashes)
    leafHashes.slice(45).forEach((leaf) => resumed.appendLeafHash(leaf))

    expect(original.hashes).toHaveLength(4) // 45 = 0b101101
    expect(hex(resumed.root())).toBe(hex(computeRoot(leafHashes)))
  })

  it.each([
    ['a size whose bits disagree with the hashes', 3, 1, /has 2 frontier hashes/],
    ['a negative size', -1, 0, /not a non-negative safe integer/],
  ])('refuses to restore %s', (_name, size, count, message) => {
    const restore = () => MerkleFrontier.restore(size, leafHashes.slice(0, count))

    expect(restore).toThrowError(message)
    expect(restore).toThrowError(AuditCoreError)
  })

  it('reports each perfect subtree a new leaf completes, with its head', () => {
    const frontier = new MerkleFrontier()
    const completed: { level: number; index: number; hash: string }[] = []
    for (let index = 0; index < 64; index++) {
      frontier.appendLeafInput(sha256(Buffer.from(`leaf ${index}`)), (level, at, hash) =>
        completed.push({ level, index: at, hash: hex(hash) }),
      )
    }

    // A perfect tree of 64 leaves has 32 + 16 + 8 + 4 + 2 + 1 interior nodes.
    expect(completed).toHaveLength(63)
    for (const { level, index, hash } of completed) {
      const leaves = leafHashes.slice(index * 2 ** level, (index + 1) * 2 ** level)
      expect(hash, `level ${level} index ${index}`).toBe(hex(naiveRoot(leaves)))
    }
  })

  it('appends whole aligned subtrees by their heads', () => {
    const head = (start: number, level: number) =>
      naiveRoot(leafHashes.slice(start, start + 2 ** level))
    // [0, 45) as the pieces a frontier holds (shrinking), then [45, 64) as a range splits
    // after a boundary (growing).
    const frontier = new MerkleFrontier()
    frontier.appendSubtreeHash(5, head(0, 5))
    frontier.appendSubtreeHash(3, head(32, 3))
    frontier.appendSubtreeHash(2, head(40, 2))
    frontier.appendSubtreeHash(0, head(44, 0))
    expect(hex(frontier.root())).toBe(hex(computeRoot(leafHashes.slice(0, 45))))
    frontier.appendSubtreeHash(0, head(45, 0))
    frontier.appendSubtreeHash(1, head(46, 1))
    frontier.appendSubtreeHash(4, head(48, 4))

    expect(frontier.size).toBe(64)
    expect(hex(frontier.root())).toBe(hex(computeRoot(leafHashes)))
    expect(() => frontier.appendSubtreeHash(7, head(0, 6))).toThrowError(
      /a subtree of 2\^7 leaves cannot follow 64 leaves/,
    )
  })

  it('hashes a leaf input of any length with the 0x00 prefix', () => {
    expect(hex(hashLeaf(Buffer.from('abc')))).toBe(
      hex(sha256(Buffer.concat([Buffer.from([0]), Buffer.from('abc')]))),
    )
  })
})

describe('proof generation round trip', () => {
  const source = createMemoryHashSource(leafHashes)
  const roots = Array.from({ length: 65 }, (_, size) => computeRoot(leafHashes.slice(0, size)))
  const rootOf = (size: number) => roots[size] ?? Buffer.alloc(0)

  it('verifies every inclusion proof up to 64 leaves, and rejects it elsewhere', async () => {
    for (let size = 1; size <= 64; size++) {
      for (let index = 0; index < size; index++) {
        const proof = await buildInclusionProof(source, index, size)
        const leaf = leafHashes[index] ?? Buffer.alloc(0)

        expect(verifyInclusion(leaf, index, size, proof, rootOf(size)).valid).toBe(true)
        if (index + 1 < size) {
          expect(verifyInclusion(leaf, index + 1, size, proof, rootOf(size)).valid).toBe(false)
        }
        expect(verifyInclusion(leaf, index, size + 1, proof, rootOf(size + 1)).valid).toBe(false)
      }
    }
  })

  it('verifies every consistency proof up to 64 leaves, and rejects a wrong root', async () => {
    for (let size2 = 1; size2 <= 64; size2++) {
      for (let size1 = 1; size1 <= size2; size1++) {
        const proof = await buildConsistencyProof(source, size1, size2)

        expect(verifyConsistency(size1, size2, rootOf(size1), rootOf(size2), proof).valid).toBe(
          true,
        )
        if (size1 < size2) {
          const wrong = verifyConsistency(size1, size2, rootOf(size1 + 1), rootOf(size2), proof)
          expect(wrong.valid).toBe(false)
        }
      }
    }
  })

  it('uses stored perfect-subtree heads when the source has them', async () => {
    const reads: string[] = []
    const cached: MerkleHashSource = {
      readLeafHashes: (start, end) => {
        reads.push(`leaves ${start}-${end}`)
        return Promise.resolve(leafHashes.slice(start, end))
      },
      readSubtreeHash: (level, index) => {
        reads.push(`subtree ${level}/${index}`)
        const count = 2 ** level
        return Promise.resolve(computeRoot(leafHashes.slice(index * count, (index + 1) * count)))
      },
    }

    const proof = await buildInclusionProof(cached, 5, 64)

    expect(verifyInclusion(leafHashes[5] ?? NONE, 5, 64, proof, rootOf(64)).valid).toBe(true)
    expect(reads).toEqual([
      'subtree 0/4',
      'subtree 1/3',
      'subtree 2/0',
      'subtree 3/1',
      'subtree 4/1',
      'subtree 5/1',
    ])
  })

  it.each([
    ['inclusion index beyond size', () => inclusionProofRanges(4, 4), /leaf index 4/],
    ['consistency from zero', () => consistencyProofRanges(0, 4), /from tree size 0 to 4/],
    ['consistency backwards', () => consistencyProofRanges(5, 4), /from tree size 5 to 4/],
    ['an empty tree', () => inclusionProofRanges(0, 0), /tree size 0/],
  ])('refuses %s', (_name, build, message) => {
    expect(build).toThrowError(message)
  })

  it('reports a source that returns too few leaves', async () => {
    const short: MerkleHashSource = { readLeafHashes: () => Promise.resolve([]) }

    await expect(buildInclusionProof(short, 0, 2)).rejects.toMatchObject({
      code: 'AUDIT_MERKLE_SOURCE_INVALID',
    })
  })
})
