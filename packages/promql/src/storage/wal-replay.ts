/**
 * Rebuilding the head from the write-ahead log after a restart.
 */

import { readFileSync, rmSync, truncateSync } from 'node:fs'

import type { Head } from './head.js'
import type { MemSeries } from './mem-series.js'
import { RecordType } from './record-buffer.js'
import { PayloadReader, RecordReader } from './record-reader.js'
import { listSegments, segmentPath } from './write-ahead-log.js'

export interface WalReplayReport {
  readonly segments: number
  readonly series: number
  /** Samples stored again; samples the chunk files already held are skipped, not counted. */
  readonly samples: number
  /** Samples whose series record was missing, so they could not be placed. */
  readonly orphanSamples: number
  /** Where and why replay stopped early, when the log's tail was damaged. */
  readonly corruption?: {
    readonly segment: number
    readonly offset: number
    readonly reason: string
  }
}

/**
 * Replays every segment into `head`, resolving refs through `refs` (shared with chunk-file
 * loading). At a damaged record, replay stops: that segment is cut back to its last intact
 * record and later segments are deleted, so new writes follow good data.
 */
export function replayWal(dir: string, head: Head, refs: Map<number, MemSeries>): WalReplayReport {
  const segments = listSegments(dir)
  let series = 0
  const counts = { samples: 0, orphanSamples: 0 }
  for (const [position, segment] of segments.entries()) {
    const path = segmentPath(dir, segment)
    const reader = new RecordReader(readFileSync(path))
    let problem: string | undefined
    try {
      for (const record of reader.records()) {
        if (record.type === RecordType.series) {
          series += replaySeries(record.payload, head, refs)
        } else if (record.type === RecordType.samples) {
          replaySamples(record.payload, head, refs, counts)
        } else {
          throw new RangeError(`unknown record type ${record.type}`)
        }
      }
      problem = reader.problem
    } catch (error) {
      if (!(error instanceof RangeError)) throw error
      problem = error.message
    }

    if (problem !== undefined) {
      truncateSync(path, reader.goodLength)
      for (const later of segments.slice(position + 1))
        rmSync(segmentPath(dir, later), { force: true })
      return {
        segments: position + 1,
        series,
        ...counts,
        corruption: { segment, offset: reader.goodLength, reason: problem },
      }
    }
  }

  return { segments: segments.length, series, ...counts }
}

function replaySeries(payload: Uint8Array, head: Head, refs: Map<number, MemSeries>): number {
  const reader = new PayloadReader(payload)
  let count = 0
  while (!reader.done) {
    const ref = reader.readUvarint()
    refs.set(ref, head.restore(ref, reader.readLabels()))
    count++
  }
  return count
}

function replaySamples(
  payload: Uint8Array,
  head: Head,
  refs: Map<number, MemSeries>,
  counts: { samples: number; orphanSamples: number },
): void {
  const reader = new PayloadReader(payload)
  let timestampMs = 0
  while (!reader.done) {
    const ref = reader.readUvarint()
    timestampMs += reader.readVarint()
    const stale = reader.readByte() === 1
    const value = stale ? NaN : reader.readFloat64()

    const series = refs.get(ref)
    if (series === undefined) counts.orphanSamples++
    else if (head.append(series.ref, timestampMs, value, stale) === 'ok') counts.samples++
  }
}
