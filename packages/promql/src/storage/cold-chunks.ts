/**
 * Reading samples that the memory bound pushed out of the head but that chunk files still
 * hold. A query reaching before the oldest sample kept in memory reads the chunk files that
 * overlap its range, matches their series records against the selector, and decodes only the
 * chunks in range. Files are read whole on each such query: slow next to memory, but it lets
 * retention outgrow the memory bound instead of forgetting the oldest samples.
 */
import type { LabelMatcher, Labels, SeriesData } from '../model/series.js'
import type { ChunkFileInfo, ChunkRecord } from './chunk-file.js'
import { readChunkFile } from './chunk-file.js'
import { compileMatcher, matchesAll } from './label-matcher.js'
import { labelsKey } from './labels.js'
import { ChunkIterator } from './xor-chunk.js'

interface ColdSeries {
  readonly labels: Labels
  readonly samples: Map<number, { value: number; stale: boolean }>
}

/**
 * Samples in [startMs, endMs] of the series matching `matchers`, read from chunk files, keyed
 * by `labelsKey`. Duplicates across files (a chunk rewritten by a later compaction or a merge)
 * collapse to one sample per timestamp. With `labelsOnly`, chunks are not decoded: a series
 * is listed when one of its chunks overlaps the range (as Prometheus answers label queries at
 * block granularity), with one placeholder sample.
 */
export function readColdSeries(
  dir: string,
  files: readonly ChunkFileInfo[],
  matchers: readonly LabelMatcher[],
  startMs: number,
  endMs: number,
  labelsOnly = false,
): Map<string, SeriesData> {
  const compiled = matchers.map(compileMatcher)
  const found = new Map<string, ColdSeries>()
  const iterator = new ChunkIterator(new Uint8Array(0), 0)

  for (const file of files) {
    if (file.maxTimeMs < startMs) continue
    const byRef = new Map<number, ColdSeries>()
    readChunkFile(
      dir,
      file.number,
      (ref, labels) => {
        if (!matchesAll(labels, compiled)) return
        const key = labelsKey(labels)
        let series = found.get(key)
        if (series === undefined) {
          series = { labels, samples: new Map() }
          found.set(key, series)
        }
        byRef.set(ref, series)
      },
      (chunk: ChunkRecord) => {
        const series = byRef.get(chunk.ref)
        if (series === undefined || chunk.maxTimeMs < startMs || chunk.minTimeMs > endMs) return
        if (labelsOnly) {
          series.samples.set(chunk.minTimeMs, { value: 0, stale: false })
          return
        }
        iterator.reset(chunk.bytes, chunk.count)
        while (iterator.next()) {
          const at = iterator.timestampMs
          if (at < startMs || at > endMs) continue
          series.samples.set(at, { value: iterator.value, stale: iterator.stale })
        }
      },
    )
  }

  const result = new Map<string, SeriesData>()
  for (const [key, series] of found) {
    if (series.samples.size === 0) continue
    const times = [...series.samples.keys()].sort((a, b) => a - b)
    const stale = Uint8Array.from(times, (at) => (series.samples.get(at)?.stale === true ? 1 : 0))
    result.set(key, {
      labels: series.labels,
      timestampsMs: Float64Array.from(times),
      values: Float64Array.from(times, (at) => series.samples.get(at)?.value ?? 0),
      stale: stale.includes(1) ? stale : undefined,
    })
  }
  return result
}

/**
 * Puts cold samples in front of the in-memory ones: only those older than the series' first
 * sample in memory, so a sample held in both places counts once.
 */
export function prependColdSamples(
  memory: readonly SeriesData[],
  cold: Map<string, SeriesData>,
): SeriesData[] {
  const result: SeriesData[] = []
  for (const series of memory) {
    const key = labelsKey(series.labels)
    const older = cold.get(key)
    cold.delete(key)
    result.push(older === undefined ? series : joined(older, series))
  }
  // Series with nothing left in memory.
  for (const series of cold.values()) result.push(series)
  return result
}

function joined(older: SeriesData, newer: SeriesData): SeriesData {
  const firstInMemory = newer.timestampsMs[0] ?? Infinity
  let count = 0
  while (count < older.timestampsMs.length && (older.timestampsMs[count] ?? 0) < firstInMemory) {
    count++
  }
  if (count === 0) return newer

  const length = count + newer.timestampsMs.length
  const timestampsMs = new Float64Array(length)
  const values = new Float64Array(length)
  const stale = new Uint8Array(length)
  for (let i = 0; i < count; i++) {
    timestampsMs[i] = older.timestampsMs[i] ?? 0
    values[i] = older.values[i] ?? 0
    stale[i] = older.stale?.[i] ?? 0
  }
  for (let i = 0; i < newer.timestampsMs.length; i++) {
    timestampsMs[count + i] = newer.timestampsMs[i] ?? 0
    values[count + i] = newer.values[i] ?? 0
    stale[count + i] = newer.stale?.[i] ?? 0
  }
  return {
    labels: newer.labels,
    timestampsMs,
    values,
    stale: stale.includes(1) ? stale : undefined,
  }
}
