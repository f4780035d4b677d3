import { describe, expect, it } from 'vitest'

import { CHAIN_MEMBERS, canonicalizeEvent } from './canonical-event.js'
import { canonicalizeWithout } from './canonical-json.js'
import { makeTestEvent } from './test-log.js'

/** A small seeded generator (mulberry32), so a failing case can be replayed by its seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

type Random = () => number

const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T

const PIECES = [
  'a',
  'Z',
  '0',
  ' ',
  '"',
  '\\',
  '/',
  '\n',
  '\u0000',
  '\u001f',
  '\u007f',
  '\u0080',
  'é',
  '€',
  '\u2028',
  '\ufb33',
  '\ud83d\ude00',
  '\ud800',
  '\udc00',
  'ö',
  '日本',
  '~',
  '<',
  '\t',
]

function randomString(random: Random, max = 8): string {
  let text = ''
  const length = Math.floor(random() * max)
  for (let index = 0; index < length; index++) text += pick(random, PIECES)
  return text
}

const NUMBERS = [
  0,
  -0,
  1,
  -1,
  0.1,
  1e21,
  1e-7,
  123456789012345680000,
  5e-324,
  1.7976931348623157e308,
  Number.MAX_SAFE_INTEGER,
  2 ** 53 + 2,
  Number('333333333.33333329'),
  NaN,
  Infinity,
  -Infinity,
]

function randomValue(random: Random, depth: number): unknown {
  const roll = random()
  if (depth > 3 || roll < 0.3) return randomString(random)
  if (roll < 0.45) return pick(random, NUMBERS)
  if (roll < 0.5) return pick(random, [true, false, null, undefined, 10n, new Date(0)])
  if (roll < 0.7) {
    return Array.from({ length: Math.floor(random() * 4) }, () => randomValue(random, depth + 1))
  }
  const object: Record<string, unknown> = {}
  const members = Math.floor(random() * 5)
  for (let index = 0; index < members; index++) {
    object[pick(random, ['10', '9', 'b', 'a', 'ab', randomString(random, 3)])] = randomValue(
      random,
      depth + 1,
    )
  }
  return random() < 0.05 ? Object.assign(Object.create(null), object) : object
}

/** Known shape members that the generator mutates, and what it may put in them. */
const MUTATIONS: readonly ((event: Record<string, unknown>, random: Random) => void)[] = [
  (event, random) => (event.type = randomString(random)),
  (event, random) => (event.seq = pick(random, NUMBERS)),
  (event, random) => (event.actor = { type: 'user', id: randomString(random) }),
  (event, random) => (event.actor = { type: 'user', extra: randomString(random) }),
  (event, random) => (event.actor = { type: randomValue(random, 3) }),
  (event, random) => (event.source = randomValue(random, 1)),
  (event) => (event.target = undefined),
  (event) => delete event.target,
  (event, random) => (event.outcome = { status: 'failure', reason: randomString(random) }),
  (event, random) => (event.dataClasses = [randomString(random), 'pii']),
  (event, random) => (event.dataClasses = randomValue(random, 2)),
  (event, random) => (event.fields = randomValue(random, 0)),
  (event, random) => (event.fields = { nested: { deeper: [randomValue(random, 1)] } }),
  (event, random) => (event[randomString(random, 3)] = randomString(random)),
  (event, random) => (event.hash = randomValue(random, 2)),
  (event) => (event.prevHash = undefined),
  (event, random) => (event.requestId = randomValue(random, 2)),
  (event) => Object.defineProperty(event, 'action', { value: 'hidden', enumerable: false }),
  (event) => Object.setPrototypeOf(event, null),
]

function randomEvent(random: Random, index: number): Record<string, unknown> {
  const event: Record<string, unknown> = JSON.parse(
    JSON.stringify(makeTestEvent(index + 1)),
  ) as Record<string, unknown>
  const mutations = Math.floor(random() * 3)
  for (let count = 0; count < mutations; count++) pick(random, MUTATIONS)(event, random)
  return event
}

function outcome(encode: () => string): { text?: string; error?: string } {
  try {
    return { text: encode() }
  } catch (error) {
    return { error: String(error) }
  }
}

describe('canonicalizeEvent', () => {
  it('encodes a typical event exactly as the general encoder does', () => {
    const event = { ...makeTestEvent(7), prevHash: 'a'.repeat(64), hash: 'b'.repeat(64) }
    expect(canonicalizeEvent(event)).toBe(canonicalizeWithout(event, CHAIN_MEMBERS))
  })

  it('matches the general encoder byte for byte (or error for error) on 20,000 varied events', () => {
    const random = seeded(0x5eed)
    let differences = 0
    let shaped = 0
    for (let index = 0; index < 20_000; index++) {
      const event = randomEvent(random, index)
      const fast = outcome(() => canonicalizeEvent(event))
      const general = outcome(() => canonicalizeWithout(event, CHAIN_MEMBERS))
      if (fast.text !== general.text || fast.error !== general.error) {
        differences++
        expect({ index, event, fast }).toEqual({ index, event, fast: general })
      }
      if (fast.text !== undefined) shaped++
    }
    expect(differences).toBe(0)
    // The cases must exercise both encoders' success paths, not only their refusals.
    expect(shaped).toBeGreaterThan(5_000)
  })

  it.each([
    ['unicode and escapes', { ...makeTestEvent(1), action: 'é€\ud83d\ude00"\\\n\u0001' }],
    ['a lone surrogate', { ...makeTestEvent(1), action: 'x\ud800' }],
    ['a fractional seq', { ...makeTestEvent(1), seq: 1.5 }],
    ['a huge seq', { ...makeTestEvent(1), seq: 1e21 }],
    ['an unknown member', { ...makeTestEvent(1), extra: 1 }],
    ['an unknown actor member', { ...makeTestEvent(1), actor: { type: 'user', role: 'x' } }],
    ['numbers in fields', { ...makeTestEvent(1), fields: { a: [1e21, -0, 0.1, 1e-7] } }],
    ['an empty event', {}],
  ])('agrees with the general encoder on %s', (_name, event) => {
    expect(outcome(() => canonicalizeEvent(event))).toEqual(
      outcome(() => canonicalizeWithout(event, CHAIN_MEMBERS)),
    )
  })
})
