import { createHash } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { canonicalize } from './canonical-json.js'
import { chainEvent, chainEvents, computeEventHash, hashedEventText } from './chain.js'
import { AuditCoreError } from './errors.js'
import { GENESIS_HASH } from './hashing.js'
import { makeTestEvent } from './test-log.js'

describe('the hash chain', () => {
  const events = Array.from({ length: 20 }, (_, index) => makeTestEvent(index + 1))

  it('hashes prevHash bytes then the canonical event, as written independently here', () => {
    const [first] = chainEvents(events, GENESIS_HASH)
    const expected = createHash('sha256')
      .update(Buffer.alloc(32))
      .update(canonicalize(events[0]), 'utf8')
      .digest('hex')

    expect(first?.prevHash).toBe(GENESIS_HASH)
    expect(first?.hash).toBe(expected)
  })

  it('matches a known answer computed outside Node (Python hashlib)', () => {
    // sha256(b'\0' * 32 + b'{"a":1}')
    expect(computeEventHash(GENESIS_HASH, { a: 1 })).toBe(
      'b06a229070741292512e8760f470dd7a4c46ccfdf253df781d88dabe58c1ccb1',
    )
  })

  it('links each event to the one before, the batch matching one-by-one chaining', () => {
    const batch = chainEvents(events, GENESIS_HASH)
    let previous = GENESIS_HASH

    events.forEach((event, index) => {
      const single = chainEvent(event, previous)
      expect(batch[index]).toEqual(single)
      expect(single.prevHash).toBe(previous)
      previous = single.hash
    })
  })

  it('leaves its own members out of the hashed text', () => {
    const [chained] = chainEvents(events, GENESIS_HASH)
    if (chained === undefined) throw new Error('no event')

    expect(hashedEventText(chained)).toBe(canonicalize(events[0]))
    expect(computeEventHash(chained.prevHash, chained)).toBe(chained.hash)
  })

  it.each([
    ['seq', { seq: 2 }],
    ['a nested field', { fields: { attempt: 9 } }],
    ['recordedAt', { recordedAt: '2024-05-01T00:00:00.011Z' }],
  ])('changes when %s changes', (_name, change) => {
    const original = computeEventHash(GENESIS_HASH, events[0] ?? {})

    expect(computeEventHash(GENESIS_HASH, { ...events[0], ...change })).not.toBe(original)
  })

  it('grows its scratch buffer for large events', () => {
    const large = { ...makeTestEvent(1), fields: { blob: 'é'.repeat(10_000) } }
    const expected = createHash('sha256')
      .update(Buffer.alloc(32))
      .update(canonicalize(large), 'utf8')
      .digest('hex')

    expect(chainEvents([large], GENESIS_HASH)[0]?.hash).toBe(expected)
  })

  it('rejects a malformed prevHash with a stable code', () => {
    expect(() => chainEvents(events, 'ABC')).toThrowError(AuditCoreError)
    expect(() => computeEventHash('00', {})).toThrowError(/64 lowercase hex digits/)
  })
})
