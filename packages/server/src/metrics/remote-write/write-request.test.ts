import snappy from 'snappyjs'
import { describe, expect, it } from 'vitest'
import type { WriteSeries } from './write-request.js'
import { decodeWriteRequest, encodeWriteRequest } from './write-request.js'

/** Sample bytes of the staleness marker: tag of field 1 (fixed64), then the NaN, little-endian. */
const staleMarkerBytes = [0x09, 0x02, 0, 0, 0, 0, 0, 0xf0, 0x7f]

function contains(haystack: Uint8Array, needle: readonly number[]): boolean {
  for (let start = 0; start + needle.length <= haystack.length; start++) {
    if (needle.every((byte, index) => haystack[start + index] === byte)) return true
  }
  return false
}

describe('encodeWriteRequest', () => {
  const cases: { name: string; series: WriteSeries[] }[] = [
    { name: 'no series', series: [] },
    {
      name: 'a recorded series',
      series: [
        {
          labels: { __name__: 'job:up:sum', job: 'api' },
          samples: [{ value: 2, timestampMs: 1_764_871_200_000 }],
        },
      ],
    },
    {
      name: 'several samples, odd values and unicode labels',
      series: [
        {
          labels: { __name__: 'ALERTS', alertname: 'Ärger', alertstate: 'firing', empty: '' },
          samples: [
            { value: -0.5, timestampMs: 0 },
            { value: Number.POSITIVE_INFINITY, timestampMs: 1 },
            { value: 1e-300, timestampMs: 2 ** 52 },
          ],
        },
        { labels: { __name__: 'no_samples' }, samples: [] },
      ],
    },
  ]

  it.each(cases)('round-trips through the receiver decoder: $name', ({ series }) => {
    expect(decodeWriteRequest(encodeWriteRequest(series))).toEqual(series)
  })

  it('keeps a plain NaN apart from the staleness marker', () => {
    const labels = { __name__: 'ratio' }
    const nan = encodeWriteRequest([{ labels, samples: [{ value: Number.NaN, timestampMs: 5 }] }])
    const stale = encodeWriteRequest([
      { labels, samples: [{ value: Number.NaN, timestampMs: 5, stale: true }] },
    ])

    expect(contains(snappy.uncompress(nan), staleMarkerBytes)).toBe(false)
    expect(contains(snappy.uncompress(stale), staleMarkerBytes)).toBe(true)
    const [decoded] = decodeWriteRequest(stale)
    expect(decoded?.labels).toEqual(labels)
    expect(decoded?.samples[0]?.timestampMs).toBe(5)
    expect(decoded?.samples[0]?.value).toBeNaN()
  })

  it('sorts labels by name, as remote write requires', () => {
    const body = encodeWriteRequest([{ labels: { b: '2', __name__: 'm', a: '1' }, samples: [] }])
    // The decoder builds labels in wire order.
    const [decoded] = decodeWriteRequest(body)
    expect(Object.keys(decoded?.labels ?? {})).toEqual(['__name__', 'a', 'b'])
  })
})
