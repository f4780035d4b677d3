import { afterEach, describe, expect, it, vi } from 'vitest'

import { MemoryQuerier } from './memory-querier.js'
import { evaluateInstant, evaluateRange } from './query.js'

/** One series `x` with a sample every second for `seconds` seconds. */
function denseQuerier(seconds: number, series = 1): MemoryQuerier {
  const querier = new MemoryQuerier()
  for (let index = 0; index < series; index++) {
    for (let second = 0; second < seconds; second++) {
      querier.add({ __name__: 'x', i: String(index) }, second * 1000, second)
    }
  }
  return querier
}

/**
 * A clock that advances one second each time it is read once the query has started, so a
 * test can tell whether the engine looks at the deadline while a single node is working,
 * without depending on how fast this machine runs the loop.
 */
function advanceClockOnEveryRead(): void {
  let now = Date.now()
  vi.spyOn(Date, 'now').mockImplementation(() => (now += 1000))
}

afterEach(() => {
  vi.restoreAllMocks()
})

describe('query deadline', () => {
  // Each query is at most three nodes deep, so checks between nodes read the clock only a
  // few times: with a 30 s budget, only checks inside the node's loops can reach it.
  it.each([
    ['a range function over wide windows', 'max_over_time(x[1h])'],
    ['a subquery', 'max_over_time((x * 2)[1h:1s])'],
    ['an aggregation', 'quantile(0.5, x)'],
    ['a join', 'x * on (i) x'],
  ])('stops %s inside the node', (_name, query) => {
    const querier = denseQuerier(3600, 100)
    advanceClockOnEveryRead()

    const run = (): unknown =>
      evaluateRange(query, 0, 3_600_000, 1000, { querier, timeoutMs: 30_000 })
    expect(run).toThrow(expect.objectContaining({ code: 'timeout' }) as Error)
  })

  it('finishes the same query when the clock does not move', () => {
    const querier = denseQuerier(3600, 2)
    const result = evaluateRange('max_over_time(x[1h])', 0, 3_600_000, 60_000, {
      querier,
      timeoutMs: 60_000,
    })
    expect(result.value.resultType).toBe('matrix')
  })

  it('matches a backtracking-prone regex against a long label value within the budget', () => {
    const querier = new MemoryQuerier()
    querier.add({ __name__: 'v', value: 'a'.repeat(50_000) }, 0, 1)
    querier.add({ __name__: 'v', value: 'aaab' }, 0, 2)

    // A backtracking engine would need about 2^50000 steps for the first series.
    const result = evaluateInstant('v{value=~"(a+)+b"}', 0, { querier, timeoutMs: 60_000 })
    expect(result.value).toMatchObject({
      resultType: 'vector',
      samples: [{ labels: { value: 'aaab' }, value: 2 }],
    })

    const replaced = evaluateInstant('label_replace(v, "run", "$1", "value", "(a+)+(b)?")', 0, {
      querier,
      timeoutMs: 60_000,
    })
    expect(replaced.value).toMatchObject({ resultType: 'vector' })
  })
})
