import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

import { describe, expect, it } from 'vitest'

import { findTestdata } from '../test-support/testdata.js'
import { verifyConsistency, verifyInclusion } from './merkle-proofs.js'

// transparency-dev/merkle vectors: hashes are standard base64, `proof` may be null.
interface InclusionVector {
  leafIdx: number
  treeSize: number
  root: string | null
  leafHash: string | null
  proof: string[] | null
  desc: string
  wantErr: boolean
}

interface ConsistencyVector {
  size1: number
  size2: number
  root1: string | null
  root2: string | null
  proof: string[] | null
  desc: string
  wantErr: boolean
}

const directory = findTestdata('merkle')

function listJson(root: string): string[] {
  return readdirSync(root).flatMap((name) => {
    const path = join(root, name)
    if (statSync(path).isDirectory()) return listJson(path)
    return name.endsWith('.json') ? [path] : []
  })
}

function load<T>(kind: string): [string, T][] {
  if (directory === undefined) return []
  const root = join(directory, kind)
  return listJson(root).map((path) => [
    relative(root, path),
    JSON.parse(readFileSync(path, 'utf8')) as T,
  ])
}

const bytes = (base64: string | null) => Buffer.from(base64 ?? '', 'base64')
const proofOf = (proof: string[] | null) => (proof ?? []).map(bytes)

describe.skipIf(directory === undefined)(
  'RFC 9162 verifiers on the transparency-dev vectors',
  () => {
    const inclusion = load<InclusionVector>('inclusion')
    const consistency = load<ConsistencyVector>('consistency')

    it('finds every vector file', () => {
      expect(inclusion.length + consistency.length).toBe(196)
    })

    it.each(inclusion)('inclusion %s', (_file, vector) => {
      const check = verifyInclusion(
        bytes(vector.leafHash),
        vector.leafIdx,
        vector.treeSize,
        proofOf(vector.proof),
        bytes(vector.root),
      )

      expect(check.valid).toBe(!vector.wantErr)
    })

    it.each(consistency)('consistency %s', (_file, vector) => {
      const check = verifyConsistency(
        vector.size1,
        vector.size2,
        bytes(vector.root1),
        bytes(vector.root2),
        proofOf(vector.proof),
      )

      expect(check.valid).toBe(!vector.wantErr)
    })
  },
)
