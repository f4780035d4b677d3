/**
 * Reads records framed by {@link RecordBuffer}, stopping at the first one that is truncated or
 * fails its checksum.
 */

import { crc32 } from 'node:zlib'

import type { Labels } from '../model/series.js'
import { setLabel } from './labels.js'
import { RECORD_HEADER_BYTES } from './record-buffer.js'

const decoder = new TextDecoder('utf-8', { fatal: true })

export interface RawRecord {
  readonly type: number
  readonly payload: Uint8Array
}

/** Iterates the records of `bytes`; afterwards `goodLength` and `problem` tell how it ended. */
export class RecordReader {
  /** Bytes up to the end of the last intact record. */
  goodLength = 0
  /** Why reading stopped before the end, if it did. */
  problem: string | undefined

  readonly #bytes: Uint8Array
  readonly #view: DataView

  constructor(bytes: Uint8Array) {
    this.#bytes = bytes
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  }

  *records(): Generator<RawRecord> {
    const total = this.#bytes.length
    let offset = 0
    while (offset < total) {
      if (offset + RECORD_HEADER_BYTES > total) {
        this.problem = `truncated record header at byte ${offset}`
        return
      }

      const type = this.#bytes[offset]!
      const length = this.#view.getUint32(offset + 1)
      const checksum = this.#view.getUint32(offset + 5)
      const start = offset + RECORD_HEADER_BYTES
      if (start + length > total) {
        this.problem = `truncated record at byte ${offset}`
        return
      }

      const payload = this.#bytes.subarray(start, start + length)
      if (crc32(payload) !== checksum) {
        this.problem = `checksum mismatch in record at byte ${offset}`
        return
      }

      offset = start + length
      this.goodLength = offset
      yield { type, payload }
    }
  }
}

/** Reads the fields of one record payload in order. Throws RangeError past its end. */
export class PayloadReader {
  readonly #bytes: Uint8Array
  readonly #view: DataView
  #offset = 0

  constructor(payload: Uint8Array) {
    this.#bytes = payload
    this.#view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength)
  }

  get done(): boolean {
    return this.#offset >= this.#bytes.length
  }

  readByte(): number {
    const value = this.#bytes[this.#offset++]
    if (value === undefined) throw new RangeError('record payload ended early')
    return value
  }

  readUvarint(): number {
    let result = 0
    let scale = 1
    for (;;) {
      const byte = this.readByte()
      result += (byte & 0x7f) * scale
      if (byte < 0x80) return result
      scale *= 128
      if (scale > 2 ** 56) throw new RangeError('varint too long')
    }
  }

  readVarint(): number {
    const zigzag = this.readUvarint()
    return zigzag % 2 === 0 ? zigzag / 2 : -(zigzag + 1) / 2
  }

  readFloat64(): number {
    if (this.#offset + 8 > this.#bytes.length) throw new RangeError('record payload ended early')
    const value = this.#view.getFloat64(this.#offset)
    this.#offset += 8
    return value
  }

  readBytes(): Uint8Array {
    const length = this.readUvarint()
    if (this.#offset + length > this.#bytes.length) {
      throw new RangeError('record payload ended early')
    }
    const bytes = this.#bytes.subarray(this.#offset, this.#offset + length)
    this.#offset += length
    return bytes
  }

  readString(): string {
    return decoder.decode(this.readBytes())
  }

  readLabels(): Labels {
    const count = this.readUvarint()
    const labels: Record<string, string> = {}
    for (let i = 0; i < count; i++) setLabel(labels, this.readString(), this.readString())
    return labels
  }
}
