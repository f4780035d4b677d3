import { describe, expect, it } from 'vitest'

import type { LabelMatcher, Labels } from '../model/series.js'
import { Head } from './head.js'

const SERIES: Labels[] = [
  { __name__: 'http_requests_total', job: 'api', code: '200', path: '/a' },
  { __name__: 'http_requests_total', job: 'api', code: '500', path: '/a' },
  { __name__: 'http_requests_total', job: 'web', code: '200' },
  { __name__: 'http_requests_total', job: 'web', code: '404', env: 'prod' },
  { __name__: 'up', job: 'api' },
  { __name__: 'up', job: 'web', env: 'line\nbreak' },
]

function headWithSeries(): Head {
  const head = new Head()
  for (const labels of SERIES) {
    const { series } = head.getOrCreate(labels)
    head.append(series.ref, 1000, 1, false)
  }
  return head
}

function m(name: string, type: LabelMatcher['type'], value: string): LabelMatcher {
  return { name, type, value }
}

const matcherCases: { name: string; matchers: LabelMatcher[]; want: number[] }[] = [
  { name: 'equality', matchers: [m('job', '=', 'api')], want: [0, 1, 4] },
  {
    name: 'intersection of equalities',
    matchers: [m('__name__', '=', 'http_requests_total'), m('job', '=', 'web')],
    want: [2, 3],
  },
  { name: 'equality with no match', matchers: [m('job', '=', 'db')], want: [] },
  {
    name: 'empty equality selects absent labels',
    matchers: [m('env', '=', '')],
    want: [0, 1, 2, 4],
  },
  {
    name: 'negative equality keeps absent labels',
    matchers: [m('env', '!=', 'prod')],
    want: [0, 1, 2, 4, 5],
  },
  { name: 'non-empty selects present labels', matchers: [m('env', '!=', '')], want: [3, 5] },
  { name: 'regex is anchored', matchers: [m('code', '=~', '20')], want: [] },
  { name: 'regex alternation', matchers: [m('code', '=~', '200|404')], want: [0, 2, 3] },
  { name: 'regex character class', matchers: [m('code', '=~', '[45]..')], want: [1, 3] },
  {
    name: 'regex matching empty keeps absent labels',
    matchers: [m('path', '=~', '/a|')],
    want: [0, 1, 2, 3, 4, 5],
  },
  { name: 'regex dot matches newline', matchers: [m('env', '=~', 'line.break')], want: [5] },
  { name: 'negative regex', matchers: [m('job', '!~', 'a.*')], want: [2, 3, 5] },
  {
    name: 'negative regex excluding empty',
    matchers: [m('__name__', '=', 'up'), m('env', '!~', '')],
    want: [5],
  },
  {
    name: 'mixed matchers',
    matchers: [m('__name__', '=~', 'http_.*'), m('code', '!=', '200'), m('env', '=', '')],
    want: [1],
  },
  { name: 'no matchers selects everything', matchers: [], want: [0, 1, 2, 3, 4, 5] },
]

describe('head index', () => {
  it.each(matcherCases)('selects by $name', ({ matchers, want }) => {
    const head = headWithSeries()

    const got = head
      .select(matchers, 0, 2000)
      .map((s) => SERIES.findIndex((l) => sameLabels(l, s.labels)))

    expect(got.sort((a, b) => a - b)).toEqual(want)
  })

  it('reports an invalid regex as a SyntaxError', () => {
    const head = headWithSeries()

    expect(() => head.select([m('job', '=~', '(')], 0, 1)).toThrow(
      /invalid regular expression "\("/,
    )
  })

  it('answers label names and values, optionally narrowed by matchers', () => {
    const head = headWithSeries()

    expect(head.labelNames()).toEqual(['__name__', 'code', 'env', 'job', 'path'])
    expect(head.labelNames([m('__name__', '=', 'up')])).toEqual(['__name__', 'env', 'job'])
    expect(head.labelValues('job')).toEqual(['api', 'web'])
    expect(head.labelValues('code', [m('job', '=', 'web')])).toEqual(['200', '404'])
    expect(head.labelValues('missing')).toEqual([])
  })

  it('returns the same series for the same labels in any order, dropping empty values', () => {
    const head = new Head()

    const a = head.getOrCreate({ b: '2', a: '1', c: '' })
    const b = head.getOrCreate({ a: '1', b: '2' })

    expect(a.created).toBe(true)
    expect(b.created).toBe(false)
    expect(b.series).toBe(a.series)
    expect(Object.keys(a.series.labels)).toEqual(['a', 'b'])
  })

  it('keeps a label named __proto__', () => {
    const head = new Head()

    const { series } = head.getOrCreate(JSON.parse('{"__proto__":"x","a":"1"}') as Labels)

    expect(Object.keys(series.labels)).toEqual(['__proto__', 'a'])
    expect(head.labelValues('__proto__')).toEqual(['x'])
  })
})

describe('head samples', () => {
  it('refuses out-of-order and duplicate samples with a reason', () => {
    const head = new Head()
    const { series } = head.getOrCreate({ __name__: 'x' })

    expect(head.append(series.ref, 2000, 1, false)).toBe('ok')
    expect(head.append(series.ref, 1000, 1, false)).toBe('out_of_order')
    expect(head.append(series.ref, 2000, 2, false)).toBe('duplicate_timestamp')
    expect(head.append(999, 3000, 1, false)).toBe('unknown_series')
    head.minValidTimeMs = 5000
    expect(head.append(series.ref, 4000, 1, false)).toBe('too_old')
  })

  it('returns samples in range across complete and open chunks, staleness flagged', () => {
    const head = new Head({ samplesPerChunk: 4 })
    const { series } = head.getOrCreate({ __name__: 'x' })
    for (let i = 0; i < 10; i++) head.append(series.ref, i * 1000, i, i === 6)

    const [data] = head.select([m('__name__', '=', 'x')], 2000, 7000)

    expect(Array.from(data!.timestampsMs)).toEqual([2000, 3000, 4000, 5000, 6000, 7000])
    expect(Array.from(data!.values).slice(0, 4)).toEqual([2, 3, 4, 5])
    expect(Array.from(data!.stale!)).toEqual([0, 0, 0, 0, 1, 0])
    expect(series.closed.count).toBe(2)
    expect(head.select([m('__name__', '=', 'x')], 20_000, 30_000)).toEqual([])
  })

  it('cuts a chunk when it would span more than the chunk range', () => {
    const head = new Head({ chunkRangeMs: 10_000 })
    const { series } = head.getOrCreate({ __name__: 'x' })
    for (let i = 0; i < 5; i++) head.append(series.ref, i * 5000, i, false)

    expect(series.closed.count).toBe(2)
    expect(Array.from(head.select([], 0, 100_000)[0]!.values)).toEqual([0, 1, 2, 3, 4])
  })

  it('truncates by time and drops series left empty', () => {
    const head = new Head({ samplesPerChunk: 2 })
    const old = head.getOrCreate({ __name__: 'old' }).series
    const live = head.getOrCreate({ __name__: 'live' }).series
    for (let t = 0; t < 10; t++) head.append(live.ref, t * 1000, t, false)
    head.append(old.ref, 1000, 1, false)

    const result = head.truncateBefore(4000)

    expect(result.removedSeries).toBe(1)
    expect(head.seriesCount).toBe(1)
    expect(head.labelValues('__name__')).toEqual(['live'])
    expect(Array.from(head.select([], 0, 100_000)[0]!.timestampsMs)).toEqual([
      4000, 5000, 6000, 7000, 8000, 9000,
    ])
  })

  it('drops the oldest chunks first to free memory', () => {
    const head = new Head({ samplesPerChunk: 10 })
    const early = head.getOrCreate({ __name__: 'early' }).series
    const late = head.getOrCreate({ __name__: 'late' }).series
    for (let t = 0; t < 40; t++) head.append(early.ref, t * 1000, t * 1.1, false)
    for (let t = 20; t < 60; t++) head.append(late.ref, t * 1000, t * 1.1, false)
    const before = head.closedChunkBytes

    head.dropOldestChunks(1)

    expect(head.closedChunkBytes).toBeLessThan(before)
    expect(head.select([m('__name__', '=', 'early')], 0, 1e9)[0]!.timestampsMs[0]).toBe(10_000)
    expect(head.select([m('__name__', '=', 'late')], 0, 1e9)[0]!.timestampsMs[0]).toBe(20_000)
  })
})

function sameLabels(a: Labels, b: Labels): boolean {
  return JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort())
}
