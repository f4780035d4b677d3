import { describe, expect, it } from 'vitest'

import { xxhash64 } from './xxhash64.js'

describe('xxhash64', () => {
  it.each([
    ['', 0xef46db3751d8e999n],
    ['a', 0xd24ec4f1a98c6e5bn],
    ['abc', 0x44bc2cf5ad770999n],
    ['Nobody inspects the spammish repetition', 0xfbcea83c8a378bf1n],
  ])('hashes %j', (text, expected) => {
    expect(xxhash64(new TextEncoder().encode(text))).toBe(expected)
  })
})
