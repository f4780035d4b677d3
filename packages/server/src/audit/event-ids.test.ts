import { describe, expect, it } from 'vitest'

import { newEventId } from './event-ids.js'

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('newEventId', () => {
  it('makes distinct UUIDv7s in creation order, across refills of the random pool', () => {
    const at = Date.parse('2026-01-01T00:00:00.000Z')
    // 1,000 ids in one millisecond and 1,000 in the next: four pool refills.
    const ids = [
      ...Array.from({ length: 1000 }, () => newEventId(at)),
      ...Array.from({ length: 1000 }, () => newEventId(at + 1)),
    ]

    expect(ids.every((id) => UUID_V7.test(id))).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    expect([...ids].sort()).toEqual(ids)
    expect(ids[0]?.replace(/-/g, '').slice(0, 12)).toBe(at.toString(16).padStart(12, '0'))
  })

  it('keeps order when the clock steps back', () => {
    const at = Date.parse('2026-02-01T00:00:00.000Z')
    const later = newEventId(at + 5)
    const earlier = newEventId(at)

    expect(earlier > later).toBe(true)
  })
})
