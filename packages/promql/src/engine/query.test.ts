import { beforeEach, describe, expect, it } from 'vitest'

import { PromqlExecutionError } from './errors.js'
import { MemoryQuerier } from './memory-querier.js'
import { evaluateInstant, evaluateRange } from './query.js'
import type { QueryValue } from './query.js'

const querier = new MemoryQuerier()

/** Loads `values` at 0, stepMs, 2 * stepMs, ... (undefined skips a slot, 'stale' marks). */
function load(
  labels: Record<string, string>,
  stepMs: number,
  values: (number | 'stale' | undefined)[],
) {
  values.forEach((value, index) => {
    if (value === 'stale') querier.addStale(labels, index * stepMs)
    else if (value !== undefined) querier.add(labels, index * stepMs, value)
  })
}

function instant(query: string, timeMs: number): QueryValue {
  return evaluateInstant(query, timeMs, { querier }).value
}

/** `{labels} value` lines of an instant vector, sorted, for compact expectations. */
function lines(value: QueryValue): string[] {
  if (value.resultType !== 'vector') throw new Error(`expected a vector, got ${value.resultType}`)
  return value.samples.map((sample) => `${JSON.stringify(sample.labels)} ${sample.value}`).sort()
}

beforeEach(() => {
  querier.clear()
})

describe('selectors', () => {
  it.each([
    [0, [1]],
    [240_000, [1]],
    [299_999, [1]],
    [300_000, []],
  ])('looks back five minutes, exclusive at the far end (at %i ms)', (timeMs, expected) => {
    load({ __name__: 'x' }, 60_000, [1])
    const value = instant('x', timeMs)
    expect(value.resultType === 'vector' ? value.samples.map((s) => s.value) : undefined).toEqual(
      expected,
    )
  })

  it('stops at a staleness marker', () => {
    load({ __name__: 'x' }, 30_000, [1, 2, 'stale'])
    expect(lines(instant('x', 45_000))).toEqual(['{"__name__":"x"} 2'])
    expect(lines(instant('x', 60_000))).toEqual([])
  })

  it('honours a configured lookback delta', () => {
    load({ __name__: 'x' }, 60_000, [1])
    const value = evaluateInstant('x', 90_000, { querier, lookbackDeltaMs: 60_000 }).value
    expect(lines(value)).toEqual([])
  })

  it('reads range windows left-open: (t - range, t]', () => {
    load({ __name__: 'x' }, 30_000, [1, 2, 3])
    expect(lines(instant('count_over_time(x[1m])', 60_000))).toEqual(['{} 2'])
  })

  it('pins a range query to @ and shifts it by offset', () => {
    load({ __name__: 'x' }, 60_000, [0, 10, 20, 30])
    const value = evaluateRange('x @ 60 + x offset 1m', 60_000, 180_000, 60_000, { querier }).value
    expect(value).toEqual({
      resultType: 'matrix',
      series: [
        {
          labels: {},
          points: [
            { timestampMs: 60_000, value: 10 },
            { timestampMs: 120_000, value: 20 },
            { timestampMs: 180_000, value: 30 },
          ],
        },
      ],
    })
  })

  it('aligns subquery steps to absolute multiples of the step', () => {
    load({ __name__: 'x' }, 10_000, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    // Inner steps at 30s, 45s, 60s fall in (15s, 60s].
    expect(lines(instant('count_over_time(x[45s:15s])', 60_000))).toEqual(['{} 3'])
    expect(lines(instant('last_over_time(x[45s:15s])', 60_000))).toEqual(['{"__name__":"x"} 6'])
  })
})

describe('operators', () => {
  beforeEach(() => {
    load({ __name__: 'req', job: 'a', code: '200' }, 60_000, [10])
    load({ __name__: 'req', job: 'a', code: '500' }, 60_000, [2])
    load({ __name__: 'limit', job: 'a', owner: 'ops' }, 60_000, [100])
  })

  it('drops the metric name for arithmetic, keeps it for filters', () => {
    expect(lines(instant('req{code="500"} * 2', 0))).toEqual(['{"job":"a","code":"500"} 4'])
    expect(lines(instant('req > 5', 0))).toEqual(['{"__name__":"req","job":"a","code":"200"} 10'])
    expect(lines(instant('req > bool 5', 0))).toEqual([
      '{"job":"a","code":"200"} 1',
      '{"job":"a","code":"500"} 0',
    ])
  })

  it('binds ^ tighter than unary minus and to the right', () => {
    expect(instant('-2 ^ 2', 0)).toMatchObject({ resultType: 'scalar', value: -4 })
    expect(instant('2 ^ 3 ^ 2', 0)).toMatchObject({ resultType: 'scalar', value: 512 })
  })

  it('copies group_left labels from the one side', () => {
    expect(lines(instant('req / on (job) group_left (owner) limit', 0))).toEqual([
      '{"job":"a","code":"200","owner":"ops"} 0.1',
      '{"job":"a","code":"500","owner":"ops"} 0.02',
    ])
  })

  it('rejects many-to-one matching without group_left', () => {
    expect(() => instant('req / on (job) limit', 0)).toThrow(
      'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
    )
  })

  it('rejects duplicate series on the one side', () => {
    expect(() => instant('limit / on (job) req', 0)).toThrow(
      /^found duplicate series for the match group \{job="a"\} on the right hand-side/,
    )
  })

  it('fills a missing partner with fill(), fill_left() and fill_right()', () => {
    load({ __name__: 'left', k: 'a' }, 60_000, [1])
    load({ __name__: 'left', k: 'b' }, 60_000, [2])
    load({ __name__: 'right', k: 'a' }, 60_000, [10])
    load({ __name__: 'right', k: 'c' }, 60_000, [30])
    expect(lines(instant('left + fill(0) right', 0))).toEqual([
      '{"k":"a"} 11',
      '{"k":"b"} 2',
      '{"k":"c"} 30',
    ])
    expect(lines(instant('left + fill_right(100) right', 0))).toEqual([
      '{"k":"a"} 11',
      '{"k":"b"} 102',
    ])
  })

  it('matches set operators on all labels but the name', () => {
    expect(lines(instant('req unless on (code) req{code="500"}', 0))).toEqual([
      '{"__name__":"req","job":"a","code":"200"} 10',
    ])
    expect(lines(instant('limit or req', 0))).toHaveLength(3)
  })
})

describe('aggregations and functions', () => {
  beforeEach(() => {
    for (const [instance, value] of [
      ['1', 3],
      ['2', 1],
      ['3', 2],
      ['4', NaN],
    ] as const) {
      load({ __name__: 'v', instance }, 60_000, [value])
    }
  })

  it('orders topk results by value, NaN last', () => {
    const value = instant('topk(3, v)', 0)
    expect(value.resultType === 'vector' && value.samples.map((s) => s.labels.instance)).toEqual([
      '1',
      '3',
      '2',
    ])
  })

  it('formats count_values labels without exponents', () => {
    querier.add({ __name__: 'big' }, 0, 1e21)
    expect(lines(instant('count_values("value", big)', 0))).toEqual([
      '{"value":"1000000000000000000000"} 1',
    ])
  })

  it('fails when label_replace makes two series equal', () => {
    expect(() => instant('label_replace(v, "instance", "x", "", "")', 0)).toThrow(
      'vector cannot contain metrics with the same labelset',
    )
  })

  it('reports rate over a name that does not look like a counter', () => {
    load({ __name__: 'temperature' }, 60_000, [1, 2, 3])
    const result = evaluateInstant('rate(temperature[5m])', 120_000, { querier })
    expect(result.annotations.infos).toEqual([
      'PromQL info: metric might not be a counter, name does not end in ' +
        '_total/_sum/_count/_bucket: "temperature" (1:6)',
    ])
  })

  it('returns scalars of a range query as one unlabelled series', () => {
    const value = evaluateRange('time()', 0, 120_000, 60_000, { querier }).value
    expect(value).toEqual({
      resultType: 'matrix',
      series: [
        {
          labels: {},
          points: [
            { timestampMs: 0, value: 0 },
            { timestampMs: 60_000, value: 60 },
            { timestampMs: 120_000, value: 120 },
          ],
        },
      ],
    })
  })
})

describe('limits', () => {
  it('stops a query that loads too many samples', () => {
    load(
      { __name__: 'x' },
      1000,
      Array.from({ length: 100 }, (_, index) => index),
    )
    const run = (): unknown =>
      evaluateInstant('sum_over_time(x[2m])', 100_000, { querier, maxSamples: 50 })
    expect(run).toThrow(PromqlExecutionError)
    expect(run).toThrow(expect.objectContaining({ code: 'too_many_samples' }) as Error)
  })

  it('stops a query whose signal has fired', () => {
    load({ __name__: 'x' }, 1000, [1])
    const controller = new AbortController()
    controller.abort(new Error('client went away'))
    expect(() => evaluateInstant('x', 0, { querier, signal: controller.signal })).toThrow(
      expect.objectContaining({ code: 'canceled' }) as Error,
    )
  })
})

describe('anchored and smoothed windows', () => {
  it('anchors a window to the last sample before it', () => {
    load({ __name__: 'c' }, 15_000, [1, 2, 3, 4, 5])
    // (5s, 65s] holds 15s..60s; the anchor at 0s adds the first step.
    expect(lines(instant('increase(c[1m] anchored)', 65_000))).toEqual(['{} 4'])
    expect(lines(instant('increase(c[1m] anchored)', 5_000))).toEqual(['{} 0'])
  })

  it('interpolates the values at the window edges', () => {
    load({ __name__: 'c' }, 15_000, [1, 2, 3, 4, 5])
    const value = (query: string, timeMs: number): number | undefined => {
      const result = instant(query, timeMs)
      return result.resultType === 'vector' ? result.samples[0]?.value : undefined
    }
    expect(value('increase(c[1m] smoothed)', 5_000)).toBeCloseTo(1 / 3, 12)
    expect(value('c smoothed', 20_000)).toBeCloseTo(2 + 1 / 3, 12)
  })

  it('rejects functions that do not understand the edges', () => {
    load({ __name__: 'c' }, 15_000, [1])
    expect(() => instant('max_over_time(c[1m] smoothed)', 0)).toThrow(
      'smoothed modifier can only be used with: delta, increase, rate - not with max_over_time',
    )
  })
})

describe('query-dependent durations', () => {
  it('resolves step() and range() per query', () => {
    load({ __name__: 'x' }, 10_000, [0, 1, 2, 3, 4, 5, 6])
    const value = evaluateRange('count_over_time(x[step() * 2])', 40_000, 60_000, 10_000, {
      querier,
    }).value
    expect(value).toMatchObject({
      series: [{ points: [{ value: 2 }, { value: 2 }, { value: 2 }] }],
    })
    const shifted = evaluateRange('x offset range()', 40_000, 60_000, 20_000, { querier }).value
    expect(shifted).toMatchObject({ series: [{ points: [{ value: 2 }, { value: 4 }] }] })
  })

  it('offers min_of() and max_of() as scalar functions too', () => {
    expect(instant('min_of(3, 5) + max_of(3, 5)', 0)).toMatchObject({ value: 8 })
    expect(instant('max_over_time(x[min_of(1m, 2m)])', 0)).toMatchObject({ resultType: 'vector' })
  })
})

describe('resolution limits', () => {
  it('rejects a subquery resolution beyond the sample limit before allocating it', () => {
    querier.add({ __name__: 'x' }, 0, 1)
    expect(() =>
      evaluateInstant('max_over_time(x[1y:1ms])', 0, { querier, maxSamples: 1_000_000 }),
    ).toThrow(expect.objectContaining({ code: 'too_many_samples' }) as Error)
  })

  it('rejects a range query with more steps than the sample limit', () => {
    expect(() => evaluateRange('1', 0, 1e12, 1, { querier, maxSamples: 1_000_000 })).toThrow(
      expect.objectContaining({ code: 'too_many_samples' }) as Error,
    )
  })
})
