/**
 * The write-ahead log: every new series and every stored sample, appended to numbered segment
 * files in batches so a restart can rebuild what the chunk files do not yet hold.
 *
 * Records are encoded into memory as samples arrive and written with an fsync when `flush` is
 * called (by the store every second, or sooner when the batch grows past `flushBytes`), so a
 * crash loses at most the samples since the last flush.
 */

import { closeSync, fdatasyncSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

import type { Labels } from '../model/series.js'
import { RecordBuffer, RecordType } from './record-buffer.js'
import { listNumberedFiles } from './numbered-files.js'

export interface WriteAheadLogOptions {
  /** Pending bytes that trigger a flush before the timer does. */
  readonly flushBytes: number
  /** Size after which a flush starts a new segment file. */
  readonly segmentBytes: number
}

const SEGMENT_NAME = /^\d{8}$/

/** Sorted numbers of the segment files in `dir`. */
export function listSegments(dir: string): number[] {
  return listNumberedFiles(dir, SEGMENT_NAME)
}

export function segmentPath(dir: string, segment: number): string {
  return join(dir, String(segment).padStart(8, '0'))
}

export class WriteAheadLog {
  readonly #dir: string
  readonly #options: WriteAheadLogOptions
  readonly #buffer = new RecordBuffer()
  #segment: number
  #fd: number
  #segmentSize = 0
  #lastSampleTimestampMs = 0

  /** Opens the log for appending, always in a fresh segment after any existing ones. */
  constructor(dir: string, options: WriteAheadLogOptions) {
    this.#dir = dir
    this.#options = options
    mkdirSync(dir, { recursive: true })
    this.#segment = (listSegments(dir).at(-1) ?? 0) + 1
    this.#fd = openSync(segmentPath(dir, this.#segment), 'a')
  }

  /** The segment being written. */
  get segment(): number {
    return this.#segment
  }

  /** Bytes encoded but not yet written. */
  get pendingBytes(): number {
    return this.#buffer.length
  }

  logSeries(ref: number, labels: Labels): void {
    const buffer = this.#buffer
    if (buffer.openType !== RecordType.series) buffer.open(RecordType.series)
    buffer.writeUvarint(ref)
    buffer.writeLabels(labels)
    this.#flushIfFull()
  }

  logSample(ref: number, timestampMs: number, value: number, stale: boolean): void {
    const buffer = this.#buffer
    if (buffer.openType !== RecordType.samples) {
      buffer.open(RecordType.samples)
      this.#lastSampleTimestampMs = 0
    }

    buffer.writeUvarint(ref)
    buffer.writeVarint(timestampMs - this.#lastSampleTimestampMs)
    this.#lastSampleTimestampMs = timestampMs
    if (stale) {
      buffer.writeByte(1)
    } else {
      buffer.writeByte(0)
      buffer.writeFloat64(value)
    }

    if (buffer.length >= this.#options.flushBytes) this.flush()
  }

  /**
   * Writes every pending record and fsyncs the segment; starts a new one when it is full.
   *
   * TODO(#7): the write and fsync are synchronous and block the event loop for their
   * duration (about a millisecond per flush on a local disk); a worker thread would hide it
   * if scrape or query latency ever shows it.
   */
  flush(): void {
    const buffer = this.#buffer
    buffer.close()
    if (buffer.length > 0) {
      writeAll(this.#fd, buffer.bytes)
      this.#segmentSize += buffer.length
      buffer.clear()
      fdatasyncSync(this.#fd)
    }

    if (this.#segmentSize >= this.#options.segmentBytes) this.cut()
  }

  /** Flushes and continues in a new segment; returns the new segment's number. */
  cut(): number {
    this.flush()
    closeSync(this.#fd)
    this.#segment++
    this.#fd = openSync(segmentPath(this.#dir, this.#segment), 'a')
    this.#segmentSize = 0
    return this.#segment
  }

  /** Deletes the segments numbered below `segment`. */
  removeSegmentsBefore(segment: number): number {
    let removed = 0
    for (const number of listSegments(this.#dir)) {
      if (number >= segment) break
      rmSync(segmentPath(this.#dir, number), { force: true })
      removed++
    }
    return removed
  }

  close(): void {
    this.flush()
    closeSync(this.#fd)
  }

  #flushIfFull(): void {
    if (this.#buffer.length >= this.#options.flushBytes) this.flush()
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset)
}
