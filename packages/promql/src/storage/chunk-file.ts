/**
 * Chunk files: the compressed chunks written out at each compaction, so the write-ahead log
 * before it can be deleted.
 *
 * A file holds the labels of the series it has chunks for, then the chunks, as records
 * framed like the log's. Open chunks are written too (marked open) with the samples they had;
 * a later file may hold the same chunk again with more samples, and loading keeps the newest.
 * Files are written to a temporary name, fsynced and renamed, so a file is whole or absent.
 */

import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'

import type { Labels } from '../model/series.js'
import { RecordBuffer, RecordType } from './record-buffer.js'
import { PayloadReader, RecordReader } from './record-reader.js'
import { listNumberedFiles } from './numbered-files.js'

const FILE_NAME = /^(\d{8})\.chunks$/

export interface ChunkRecord {
  readonly ref: number
  readonly open: boolean
  readonly minTimeMs: number
  readonly maxTimeMs: number
  readonly count: number
  readonly bytes: Uint8Array
}

export interface ChunkFileInfo {
  readonly number: number
  readonly path: string
  /** Newest sample time in the file; the file can go once retention passes it. */
  readonly maxTimeMs: number
}

/** Accumulates one chunk file's content in memory. */
export class ChunkFileBuilder {
  readonly #buffer = new RecordBuffer(1024 * 1024)
  #maxTimeMs = -Infinity
  #chunks = 0

  get chunkCount(): number {
    return this.#chunks
  }

  addSeries(ref: number, labels: Labels): void {
    if (this.#buffer.openType !== RecordType.series) this.#buffer.open(RecordType.series)
    this.#buffer.writeUvarint(ref)
    this.#buffer.writeLabels(labels)
  }

  addChunk(chunk: ChunkRecord): void {
    const buffer = this.#buffer
    buffer.open(RecordType.chunk)
    buffer.writeUvarint(chunk.ref)
    buffer.writeByte(chunk.open ? 1 : 0)
    buffer.writeVarint(chunk.minTimeMs)
    buffer.writeVarint(chunk.maxTimeMs)
    buffer.writeUvarint(chunk.count)
    buffer.writeBytes(chunk.bytes)
    buffer.close()
    if (chunk.maxTimeMs > this.#maxTimeMs) this.#maxTimeMs = chunk.maxTimeMs
    this.#chunks++
  }

  /**
   * Writes the file durably under the next number in `dir`, or in place of file `number`
   * (atomically, through a temporary file and a rename).
   */
  write(dir: string, number = (listChunkFiles(dir).at(-1) ?? 0) + 1): ChunkFileInfo {
    mkdirSync(dir, { recursive: true })
    const path = chunkFilePath(dir, number)
    const temporary = `${path}.tmp`

    this.#buffer.close()
    const fd = openSync(temporary, 'w')
    try {
      const bytes = this.#buffer.bytes
      let offset = 0
      while (offset < bytes.length) offset += writeSync(fd, bytes, offset)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(temporary, path)
    syncDirectory(dir)

    return { number, path, maxTimeMs: this.#maxTimeMs }
  }
}

/** Sorted numbers of the chunk files in `dir`. */
export function listChunkFiles(dir: string): number[] {
  return listNumberedFiles(dir, FILE_NAME)
}

export function chunkFilePath(dir: string, number: number): string {
  return join(dir, `${String(number).padStart(8, '0')}.chunks`)
}

/**
 * Reads a chunk file, calling back per series and per chunk. Returns the file's info and,
 * when a record is damaged, why reading stopped there.
 */
export function readChunkFile(
  dir: string,
  number: number,
  onSeries: (ref: number, labels: Labels) => void,
  onChunk: (chunk: ChunkRecord) => void,
): { info: ChunkFileInfo; problem: string | undefined } {
  const path = chunkFilePath(dir, number)
  const reader = new RecordReader(readFileSync(path))
  let maxTimeMs = -Infinity
  let problem: string | undefined
  try {
    for (const record of reader.records()) {
      const payload = new PayloadReader(record.payload)
      if (record.type === RecordType.series) {
        while (!payload.done) onSeries(payload.readUvarint(), payload.readLabels())
        continue
      }

      const chunk: ChunkRecord = {
        ref: payload.readUvarint(),
        open: payload.readByte() === 1,
        minTimeMs: payload.readVarint(),
        maxTimeMs: payload.readVarint(),
        count: payload.readUvarint(),
        bytes: payload.readBytes(),
      }
      if (chunk.maxTimeMs > maxTimeMs) maxTimeMs = chunk.maxTimeMs
      onChunk(chunk)
    }
    problem = reader.problem
  } catch (error) {
    if (!(error instanceof RangeError)) throw error
    problem = error.message
  }

  return { info: { number, path, maxTimeMs }, problem }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
