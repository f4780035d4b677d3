import {
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { afterEach, beforeEach, describe, expect, it } from 'vitest'

import type { LabelMatcher } from '../model/series.js'
import type { MetricStoreEvent, MetricStoreOptions } from './metric-store.js'
import { DataDirLockedError } from './data-dir-lock.js'
import { openMetricStore } from './metric-store.js'

const HOUR_MS = 60 * 60 * 1000
const ALL: LabelMatcher[] = []

let dataDir: string
let events: MetricStoreEvent[]

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'rampart-metric-store-'))
  events = []
})

afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true })
})

function open(options: MetricStoreOptions = {}) {
  return openMetricStore({
    dataDir,
    background: false,
    onEvent: (event) => events.push(event),
    ...options,
  })
}

function timestampsOf(store: ReturnType<typeof open>, name: string): number[] {
  const [series] = store.select([{ name: '__name__', type: '=', value: name }], -Infinity, Infinity)
  return series === undefined ? [] : Array.from(series.timestampsMs)
}

describe('metric store persistence', () => {
  it('replays the log after an unclean stop, losing only unflushed samples', () => {
    const first = open()
    const appender = first.appender()
    const ref = appender.seriesRef({ __name__: 'up', job: 'api' })
    for (let t = 1; t <= 5; t++) appender.append(ref, t * 1000, t)
    appender.appendStale(ref, 6000)
    first.flush()
    appender.append(ref, 7000, 7) // never flushed: lost in the crash

    const second = open()

    const [series] = second.select(ALL, 0, 10_000)
    expect(Array.from(series!.timestampsMs)).toEqual([1000, 2000, 3000, 4000, 5000, 6000])
    expect(Array.from(series!.stale!)).toEqual([0, 0, 0, 0, 0, 1])
    expect(series!.labels).toEqual({ __name__: 'up', job: 'api' })
    expect(events.filter((e) => e.type === 'opened').at(-1)).toMatchObject({
      wal: { series: 1, samples: 6 },
    })
    second.close()
  })

  it('flushes the log on its own within the flush interval', async () => {
    const first = open({ background: true, walFlushIntervalMs: 20 })
    const appender = first.appender()
    appender.append(appender.seriesRef({ __name__: 'x' }), 1000, 1)

    await new Promise((resolve) => setTimeout(resolve, 100))

    expect(timestampsOf(open(), 'x')).toEqual([1000])
    first.close()
  })

  it('stops at a record whose checksum fails, dropping what follows', () => {
    const first = open()
    const appender = first.appender()
    const ref = appender.seriesRef({ __name__: 'x' })
    appender.append(ref, 1000, 1)
    first.flush()
    const walDir = join(dataDir, 'wal')
    const segment = join(walDir, readdirSync(walDir)[0]!)
    const goodLength = statSync(segment).size
    appender.append(ref, 2000, 2)
    appender.append(ref, 3000, 3)
    first.flush()
    const bytes = readFileSync(segment)
    bytes[goodLength + 12]! ^= 0xff
    writeFileSync(segment, bytes)

    const second = open()

    expect(timestampsOf(second, 'x')).toEqual([1000])
    expect(events.find((e) => e.type === 'wal_damaged')).toEqual({
      type: 'wal_damaged',
      segment: 1,
      offset: goodLength,
      reason: `checksum mismatch in record at byte ${goodLength}`,
    })
    expect(statSync(segment).size).toBe(goodLength)
    second.close()
  })

  it('refuses a data directory another running process holds, and takes over a stale lock', () => {
    writeFileSync(join(dataDir, 'LOCK'), `${process.ppid}\n`)
    expect(() => open()).toThrow(DataDirLockedError)
    expect(() => open()).toThrow(`metric data directory ${dataDir} is in use by process`)

    writeFileSync(join(dataDir, 'LOCK'), '999999999\n')
    const store = open()
    expect(readFileSync(join(dataDir, 'LOCK'), 'utf8')).toBe(`${process.pid}\n`)
    store.close()
    expect(readdirSync(dataDir)).not.toContain('LOCK')
  })

  it('keeps the series ref across restarts', () => {
    const first = open()
    const ref = first.appender().seriesRef({ __name__: 'a' })
    first.close()

    const second = open()
    expect(second.appender().seriesRef({ __name__: 'a' })).toBe(ref)
    expect(second.appender().seriesRef({ __name__: 'b' })).toBeGreaterThan(ref)
    second.close()
  })

  it('stops at a truncated log tail and says so', () => {
    const first = open()
    const appender = first.appender()
    const ref = appender.seriesRef({ __name__: 'x' })
    appender.append(ref, 1000, 1)
    first.flush()
    appender.append(ref, 2000, 2)
    first.flush()
    const walDir = join(dataDir, 'wal')
    const segment = join(walDir, readdirSync(walDir)[0]!)
    truncateSync(segment, statSync(segment).size - 3)

    const second = open()

    expect(timestampsOf(second, 'x')).toEqual([1000])
    const damaged = events.find((e) => e.type === 'wal_damaged')
    expect(damaged).toMatchObject({
      segment: 1,
      reason: expect.stringMatching(/^truncated record/),
    })
    // Writing goes on after the good data.
    second.appender().append(ref, 3000, 3)
    second.close()
    expect(timestampsOf(open(), 'x')).toEqual([1000, 3000])
  })

  it('compacts chunks into files, removes covered log segments and reloads', () => {
    const first = open({ samplesPerChunk: 10 })
    const appender = first.appender()
    const refs = [0, 1, 2].map((i) => appender.seriesRef({ __name__: 'm', i: String(i) }))
    for (let t = 0; t < 25; t++) for (const ref of refs) appender.append(ref, t * 1000, t * 0.5)

    expect(first.compact()).toBe(9)
    expect(readdirSync(join(dataDir, 'wal'))).toEqual(['00000002'])
    for (let t = 25; t < 40; t++) for (const ref of refs) appender.append(ref, t * 1000, t * 0.5)
    first.flush()

    const second = open({ samplesPerChunk: 10 })
    const data = second.select([{ name: '__name__', type: '=', value: 'm' }], 0, Infinity)
    expect(data).toHaveLength(3)
    for (const series of data) {
      expect(Array.from(series.timestampsMs)).toEqual(
        Array.from({ length: 40 }, (_, t) => t * 1000),
      )
      expect(Array.from(series.values)).toEqual(Array.from({ length: 40 }, (_, t) => t * 0.5))
    }
    second.close()

    const third = open({ samplesPerChunk: 10 })
    expect(timestampsOf(third, 'm')).toHaveLength(40)
    third.close()
  })
})

describe('chunk file merging', () => {
  function fill(store: ReturnType<typeof open>, rounds: number) {
    const appender = store.appender()
    const refs = [0, 1].map((i) => appender.seriesRef({ __name__: 'm', i: String(i) }))
    for (let round = 0; round < rounds; round++) {
      for (let t = round * 20; t < (round + 1) * 20; t++) {
        for (const ref of refs) appender.append(ref, t * 1000, t)
      }
      store.compact()
    }
  }

  const chunkFiles = () =>
    readdirSync(join(dataDir, 'chunks')).filter((name) => name.endsWith('.chunks'))
  const expected = (rounds: number) => Array.from({ length: rounds * 20 }, (_, t) => t * 1000)

  it('merges the oldest files once there are too many, keeping every sample', () => {
    const first = open({ samplesPerChunk: 10, maxChunkFiles: 3 })
    fill(first, 8)

    expect(chunkFiles().length).toBeLessThanOrEqual(4)
    expect(events.some((event) => event.type === 'chunk_files_merged')).toBe(true)
    expect(timestampsOf(first, 'm')).toEqual(expected(8))
    first.close()

    const second = open({ samplesPerChunk: 10, maxChunkFiles: 3 })
    const data = second.select([{ name: '__name__', type: '=', value: 'm' }], 0, Infinity)
    expect(data).toHaveLength(2)
    for (const series of data) expect(Array.from(series.timestampsMs)).toEqual(expected(8))
    second.close()
  })

  it('loads correctly when a crash left the merged files beside their merge', () => {
    const first = open({ samplesPerChunk: 10, maxChunkFiles: 100 })
    fill(first, 4)
    first.close()
    const originals = chunkFiles().map(
      (name) => [name, readFileSync(join(dataDir, 'chunks', name))] as const,
    )

    const second = open({ samplesPerChunk: 10, maxChunkFiles: 2 })
    fill(second, 0)
    second.compact()
    second.close()
    expect(chunkFiles().length).toBeLessThan(originals.length)
    // The crash: the merged file was renamed into place, the old ones were never deleted.
    for (const [name, bytes] of originals.slice(0, -1)) {
      if (!chunkFiles().includes(name)) writeFileSync(join(dataDir, 'chunks', name), bytes)
    }

    const third = open({ samplesPerChunk: 10, maxChunkFiles: 100 })
    expect(timestampsOf(third, 'm')).toEqual(expected(4))
    third.close()
  })
})

describe('metric store bounds', () => {
  it('drops samples past the retention period, in memory and on disk', () => {
    const store = open({ retentionMs: 2 * HOUR_MS, samplesPerChunk: 60 })
    const appender = store.appender()
    const old = appender.seriesRef({ __name__: 'old' })
    const live = appender.seriesRef({ __name__: 'live' })
    appender.append(old, 0, 1)
    for (let minute = 0; minute <= 6 * 60; minute++) {
      appender.append(live, minute * 60_000, minute)
      if (minute % 60 === 59) store.compact()
    }

    store.applyRetention()

    const kept = timestampsOf(store, 'live')
    expect(kept[0]).toBeGreaterThanOrEqual(4 * HOUR_MS - 60 * 60_000)
    expect(kept.at(-1)).toBe(6 * HOUR_MS)
    expect(store.labelValues('__name__')).toEqual(['live'])
    expect(appender.append(live, 1000, 1)).toBe('out_of_order')
    expect(appender.append(appender.seriesRef({ __name__: 'late' }), 1000, 1)).toBe('too_old')
    expect(events.find((e) => e.type === 'retention')).toMatchObject({ removedSeries: 1 })
    expect(readdirSync(join(dataDir, 'chunks')).length).toBeLessThan(6)
    store.close()
  })

  it('measures retention from the clock when a sample claims to come from the future', () => {
    const store = open({ retentionMs: HOUR_MS, now: () => 10 * HOUR_MS })
    const appender = store.appender()
    const ref = appender.seriesRef({ __name__: 'x' })
    appender.append(ref, 9.5 * HOUR_MS, 1)
    appender.append(appender.seriesRef({ __name__: 'future' }), 1000 * HOUR_MS, 1)

    store.applyRetention()

    expect(timestampsOf(store, 'x')).toEqual([9.5 * HOUR_MS])
    store.close()
  })

  it('keeps memory under the limit by dropping the oldest chunks first', () => {
    const limit = 200_000
    const store = openMetricStore({ maxMemoryBytes: limit, background: false })
    const appender = store.appender()
    const refs = Array.from({ length: 20 }, (_, i) =>
      appender.seriesRef({ __name__: 'g', i: `${i}` }),
    )

    for (let t = 0; t < 5000; t++) {
      for (const ref of refs) appender.append(ref, t * 15_000, Math.sin(t + ref) * 1000)
      if (t % 100 === 99) appender.commit()
    }
    appender.commit()

    const stats = store.stats()
    expect(stats.memoryEstimateBytes).toBeLessThanOrEqual(limit)
    expect(stats.appended.ok).toBe(100_000)
    const kept = timestampsOf(store, 'g')
    expect(kept.at(-1)).toBe(4999 * 15_000)
    expect(kept[0]).toBeGreaterThan(0)
    store.close()
  })

  it('reads samples the memory bound dropped back from the chunk files', () => {
    const limit = 200_000
    const store = open({ maxMemoryBytes: limit })
    const appender = store.appender()
    const refs = Array.from({ length: 20 }, (_, i) =>
      appender.seriesRef({ __name__: 'g', i: `${i}` }),
    )
    const earlyRef = appender.seriesRef({ __name__: 'early' })
    for (let t = 0; t < 5000; t++) {
      for (const ref of refs) appender.append(ref, t * 15_000, Math.sin(t + ref) * 1000)
      if (t < 20) appender.append(earlyRef, t * 15_000, t)
      if (t % 100 === 99) {
        // Persist before the bound may drop: only persisted chunks can be read back.
        store.compact()
        appender.commit()
      }
    }
    appender.commit()

    expect(events.some((event) => event.type === 'memory_limit')).toBe(true)
    expect(store.stats().memoryEstimateBytes).toBeLessThanOrEqual(limit)
    const inMemory = store.head.select([{ name: 'i', type: '=', value: '0' }], 0, Infinity)
    expect(inMemory[0]?.timestampsMs[0]).toBeGreaterThan(0)
    const all = Array.from({ length: 5000 }, (_, t) => t * 15_000)
    const series = store.select([{ name: '__name__', type: '=', value: 'g' }], 0, Infinity)
    expect(series).toHaveLength(20)
    for (const item of series) {
      const ref = refs[Number(item.labels.i)] ?? -1
      expect(Array.from(item.timestampsMs)).toEqual(all)
      expect(Array.from(item.values)).toEqual(all.map((ms) => Math.sin(ms / 15_000 + ref) * 1000))
    }
    const window = store.select([{ name: 'i', type: '=', value: '3' }], 15_000, 30_000)
    expect(window.map((item) => Array.from(item.timestampsMs))).toEqual([[15_000, 30_000]])

    // A series whose samples all left memory is still found by the label APIs.
    const early: LabelMatcher[] = [{ name: '__name__', type: '=', value: 'early' }]
    expect(store.seriesLabels(early, 0, 1000)).toEqual([{ __name__: 'early' }])
    expect(store.labelValues('__name__', [], 0, 1000)).toContain('early')
    expect(store.labelNames(early, 0, 1000)).toEqual(['__name__'])
    expect(store.head.seriesLabels(early, 0, 1000)).toEqual([])
    store.close()
  })

  it('counts refused samples per reason', () => {
    const store = openMetricStore({ background: false })
    const appender = store.appender()
    const ref = appender.seriesRef({ __name__: 'x' })

    appender.append(ref, 2000, 1)
    appender.append(ref, 1000, 1)
    appender.append(ref, 2000, 1)
    appender.append(12345, 3000, 1)

    expect(appender.commit()).toEqual({
      ok: 1,
      out_of_order: 1,
      duplicate_timestamp: 1,
      too_old: 0,
      unknown_series: 1,
    })
  })
})
