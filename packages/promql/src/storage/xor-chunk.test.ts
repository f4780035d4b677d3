import { describe, expect, it } from 'vitest'

import { ChunkEncoder, ChunkIterator, resumeChunk } from './xor-chunk.js'

interface Sample {
  t: number
  v: number
  stale?: boolean
}

function encode(samples: readonly Sample[]): { bytes: Uint8Array; count: number } {
  const encoder = new ChunkEncoder()
  for (const sample of samples) encoder.append(sample.t, sample.v, sample.stale === true)
  return { bytes: encoder.finish(), count: encoder.count }
}

function decode(bytes: Uint8Array, count: number): Sample[] {
  const iterator = new ChunkIterator(bytes, count)
  const samples: Sample[] = []
  while (iterator.next()) {
    samples.push({ t: iterator.timestampMs, v: iterator.value, stale: iterator.stale })
  }
  return samples
}

function series(count: number, makeT: (i: number) => number, makeV: (i: number) => number) {
  return Array.from({ length: count }, (_, i) => ({ t: makeT(i), v: makeV(i) }))
}

const NOW = 1_764_000_000_000

const cases: { name: string; samples: Sample[] }[] = [
  { name: 'one sample', samples: [{ t: NOW, v: 42 }] },
  {
    name: 'regular counter',
    samples: series(
      120,
      (i) => NOW + i * 15_000,
      (i) => i * 7,
    ),
  },
  {
    name: 'equal values',
    samples: series(
      120,
      (i) => NOW + i * 15_000,
      () => 3.25,
    ),
  },
  {
    name: 'NaN, infinities and negative zero',
    samples: [
      { t: NOW, v: NaN },
      { t: NOW + 1, v: Infinity },
      { t: NOW + 2, v: -Infinity },
      { t: NOW + 3, v: -0 },
      { t: NOW + 4, v: 0 },
      { t: NOW + 5, v: Number.MIN_VALUE },
      { t: NOW + 6, v: -Number.MAX_VALUE },
      { t: NOW + 7, v: NaN },
    ],
  },
  {
    name: 'staleness markers between values',
    samples: [
      { t: NOW, v: 1 },
      { t: NOW + 15_000, v: 0, stale: true },
      { t: NOW + 30_000, v: NaN },
      { t: NOW + 45_000, v: 0, stale: true },
      { t: NOW + 60_000, v: 2 },
    ],
  },
  { name: 'staleness marker first', samples: [{ t: NOW, v: 0, stale: true }] },
  {
    name: 'irregular timestamps in every bucket',
    samples: [
      { t: -5_000, v: 1 },
      { t: 0, v: 2 },
      { t: 1, v: 3 },
      { t: 8_000, v: 4 },
      { t: 70_000, v: 5 },
      { t: 600_000, v: 6 },
      { t: NOW, v: 7 },
      { t: NOW + 1, v: 8 },
      { t: Number.MAX_SAFE_INTEGER - 1, v: 9 },
      { t: Number.MAX_SAFE_INTEGER, v: 10 },
    ],
  },
  {
    name: 'negative and very large timestamps',
    samples: [
      { t: -Number.MAX_SAFE_INTEGER, v: 1 },
      { t: -1, v: 1 },
      { t: 2 ** 40, v: 1 },
    ],
  },
  {
    name: 'delta-of-delta bucket boundaries',
    samples: timestampsFromDeltaOfDeltas([
      1_000_000, -8192, 8191, 8192, -8193, -65536, 65535, 65536, -65537, -524288, 524287, 524288,
      -524289, 0, 1, -1,
    ]),
  },
  {
    name: 'noisy floats',
    samples: series(
      120,
      (i) => NOW + i * 15_000 + ((i * 7919) % 13),
      (i) => Math.sin(i) * 1e6 + i / 3,
    ),
  },
  {
    name: 'values that flip every bit',
    samples: [
      { t: 1, v: 1.5 },
      { t: 2, v: -1.5e300 },
      { t: 3, v: 5e-324 },
      { t: 4, v: 1.5 },
    ],
  },
]

describe('xor chunk', () => {
  it.each(cases)('round-trips $name', ({ samples }) => {
    const { bytes, count } = encode(samples)
    const decoded = decode(bytes, count)

    expect(decoded).toHaveLength(samples.length)
    decoded.forEach((got, i) => {
      const want = samples[i]!
      expect(got.t).toBe(want.t)
      expect(got.stale).toBe(want.stale === true)
      if (want.stale === true) expect(got.v).toBeNaN()
      else expect(Object.is(got.v, want.v)).toBe(true)
    })
  })

  it('keeps a NaN value distinct from a staleness marker', () => {
    const { bytes, count } = encode([
      { t: 1, v: NaN },
      { t: 2, v: 0, stale: true },
    ])

    expect(decode(bytes, count).map((s) => s.stale)).toEqual([false, true])
  })

  it('compresses a regular counter to about two bytes a sample or less', () => {
    const { bytes, count } = encode(
      series(
        120,
        (i) => NOW + i * 15_000,
        (i) => 1000 + i * 17,
      ),
    )

    expect(bytes.length / count).toBeLessThan(2)
  })

  it('stores constant values at one bit each for value and timestamp', () => {
    const { bytes } = encode(
      series(
        121,
        (i) => NOW + i * 15_000,
        () => 1,
      ),
    )

    // 16 bytes for the first sample, 20 bits for the first delta, then two bits a sample.
    expect(bytes.length).toBeLessThanOrEqual(16 + 3 + 30 + 1)
  })

  it('resumes an open chunk and keeps appending', () => {
    const first = encode(
      series(
        10,
        (i) => NOW + i * 1000,
        (i) => i * 1.5,
      ),
    )
    const encoder = resumeChunk(first.bytes, first.count)
    encoder.append(NOW + 10_000, 15, false)

    const decoded = decode(encoder.finish(), encoder.count)
    expect(decoded.map((s) => s.v)).toEqual(Array.from({ length: 11 }, (_, i) => i * 1.5))
    expect(encoder.lastTimestampMs).toBe(NOW + 10_000)
  })
})

function timestampsFromDeltaOfDeltas(deltaOfDeltas: number[]): Sample[] {
  const samples: Sample[] = [{ t: NOW, v: 0 }]
  let delta = 0
  for (const [i, deltaOfDelta] of deltaOfDeltas.entries()) {
    delta += deltaOfDelta
    samples.push({ t: samples.at(-1)!.t + delta, v: i })
  }
  return samples
}
