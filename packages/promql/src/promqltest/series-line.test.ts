import { describe, expect, it } from 'vitest'

import { parseMetric, parseSequence, splitSeries } from './series-line.js'

const values = (text: string): unknown[] =>
  parseSequence(text).map((value) => (value.kind === 'value' ? value.value : value.kind))

describe('test-script series notation', () => {
  it.each([
    ['1 2 3', [1, 2, 3]],
    ['1+2x3', [1, 3, 5, 7]],
    ['10-1x2', [10, 9, 8]],
    ['5x2', [5, 5, 5]],
    ['_ _x2 stale', ['omitted', 'omitted', 'omitted', 'stale']],
    ['Inf -Inf NaN', [Infinity, -Infinity, NaN]],
    ['-2+0.5x1', [-2, -1.5]],
    ['{{schema:0 sum:1 count:1}}x2 1', ['histogram', 'histogram', 'histogram', 1]],
  ])('expands %j', (text, expected) => {
    expect(values(text)).toEqual(expected)
  })

  it('splits a series from its values, honouring quotes', () => {
    expect(splitSeries('up{job="a b}"} 1 2')).toEqual({ metric: 'up{job="a b}"}', rest: '1 2' })
    expect(splitSeries('up 1')).toEqual({ metric: 'up', rest: '1' })
  })

  it('reads labels, including quoted metric names', () => {
    expect(parseMetric('up{job="api", path=\'/x\'}')).toEqual({
      __name__: 'up',
      job: 'api',
      path: '/x',
    })
    expect(parseMetric('{"my.metric", "a.b"="c"}')).toEqual({ __name__: 'my.metric', 'a.b': 'c' })
  })
})
