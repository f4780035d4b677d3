/**
 * The write-ahead log: every new series and every stored sample, appended to numbered segment
 * files in batches so a restart can rebuild what the chunk files do not yet hold.
 *
 * Records are encoded into memory as samples arrive and written when `flush` is called (by the
 * store every second, or sooner when the batch grows past `flushBytes`). The write lands in the
 * page cache at once, so a crash of the process loses at most the samples since the last flush;
 * the fsync that protects against a machine crash then runs on libuv's thread pool, off the
 * event loop, so scrapes and queries do not wait for the disk.
 */

import {
  closeSync,
  fdatasync,
  fdatasyncSync,
  mkdirSync,
  openSync,
  rmSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

import type { Labels } from '../model/series.js'
import { RecordBuffer, RecordType } from './record-buffer.js'
import { listNumberedFiles } from './numbered-files.js'

export interface WriteAheadLogOptions {
  /** Pending bytes that trigger a flush before the timer does. */
  readonly flushBytes: number
  /** Size after which a flush starts a new segment file. */
  readonly segmentBytes: number
  /** Called when a background fsync fails (the data stays written, only not yet durable). */
  readonly onSyncError?: (error: Error) => void
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
  /** The fsync running in the background, if any, and whether another is wanted after it. */
  #syncing: Promise<void> | undefined
  #syncAgain = false

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
   * Writes every pending record and starts an fsync of the segment in the background; starts
   * a new segment when this one is full.
   */
  flush(): void {
    if (this.#write()) this.#syncInBackground()
    if (this.#segmentSize >= this.#options.segmentBytes) this.cut()
  }

  /** Resolves once every flush so far is on disk (for tests and orderly shutdown). */
  async synced(): Promise<void> {
    while (this.#syncing !== undefined) await this.#syncing
  }

  /**
   * Writes and fsyncs the current segment, then continues in a new one; returns the new
   * segment's number. The old segment is closed once a background fsync still running on it
   * has finished.
   */
  cut(): number {
    this.#write()
    const previous = this.#fd
    fdatasyncSync(previous)
    this.#closeAfterSync(previous)
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

  /** Writes and fsyncs what is pending, on the event loop: the last flush must not be lost. */
  close(): void {
    this.#write()
    fdatasyncSync(this.#fd)
    this.#closeAfterSync(this.#fd)
  }

  #flushIfFull(): void {
    if (this.#buffer.length >= this.#options.flushBytes) this.flush()
  }

  /** Writes the pending records into the page cache; false when there were none. */
  #write(): boolean {
    const buffer = this.#buffer
    buffer.close()
    if (buffer.length === 0) return false
    writeAll(this.#fd, buffer.bytes)
    this.#segmentSize += buffer.length
    buffer.clear()
    return true
  }

  /** One fsync at a time: flushes while one runs are covered by a single follow-up. */
  #syncInBackground(): void {
    if (this.#syncing !== undefined) {
      this.#syncAgain = true
      return
    }
    const fd = this.#fd
    this.#syncing = new Promise<void>((resolve) => {
      fdatasync(fd, (error) => {
        if (error !== null) this.#options.onSyncError?.(error)
        resolve()
      })
    }).then(() => {
      this.#syncing = undefined
      if (!this.#syncAgain) return
      this.#syncAgain = false
      // A flush that came after a cut was for the new segment; the old one was synced in cut.
      this.#syncInBackground()
    })
  }

  /** Closes `fd` now, or after the background fsync that may still be using it. */
  #closeAfterSync(fd: number): void {
    const pending = this.#syncing
    if (pending === undefined) {
      closeSync(fd)
      return
    }
    void pending.then(() => closeSync(fd))
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0
  while (offset < bytes.length) offset += writeSync(fd, bytes, offset)
}
