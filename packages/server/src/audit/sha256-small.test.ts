import { createHash, randomBytes } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { sha256PrefixedOne, sha256PrefixedTwo } from './sha256-small.js'

const reference = (...parts: Uint8Array[]) => {
  const hasher = createHash('sha256')
  for (const part of parts) hasher.update(part)
  return hasher.digest('hex')
}

describe('small-message SHA-256', () => {
  it('agrees with node:crypto on 2,000 random leaves and nodes', () => {
    for (let round = 0; round < 1000; round++) {
      const prefix = round % 256
      const left = randomBytes(32)
      const right = randomBytes(32)

      expect(sha256PrefixedOne(prefix, left).toString('hex')).toBe(
        reference(Uint8Array.of(prefix), left),
      )
      expect(sha256PrefixedTwo(prefix, left, right).toString('hex')).toBe(
        reference(Uint8Array.of(prefix), left, right),
      )
    }
  })

  it('handles all-ones input (carries in every addition)', () => {
    const ones = Buffer.alloc(32, 0xff)

    expect(sha256PrefixedTwo(0xff, ones, ones).toString('hex')).toBe(
      reference(Uint8Array.of(0xff), ones, ones),
    )
  })
})
