/**
 * Framed, checksummed records in a growing byte buffer: the unit of the write-ahead log and of
 * chunk files.
 *
 * A record is `type (1 byte) | payload length (4 bytes, big-endian) | CRC-32 of the payload
 * (4 bytes) | payload`. A record is opened, its payload written field by field, and closed,
 * which fills in the length and checksum.
 */

import { crc32 } from 'node:zlib'

import type { Labels } from '../model/series.js'

export const RECORD_HEADER_BYTES = 9

export const RecordType = {
  series: 1,
  samples: 2,
  chunk: 3,
} as const
export type RecordType = (typeof RecordType)[keyof typeof RecordType]

const TWO_POW_7 = 128
const TWO_POW_31 = 2 ** 31
const encoder = new TextEncoder()

export class RecordBuffer {
  #bytes: Uint8Array
  #view: DataView
  #length = 0
  /** Offset of the open record's header, or -1. */
  #openAt = -1
  #openType: RecordType | 0 = 0

  constructor(initialCapacityBytes = 64 * 1024) {
    this.#bytes = new Uint8Array(initialCapacityBytes)
    this.#view = new DataView(this.#bytes.buffer)
  }

  get length(): number {
    return this.#length
  }

  /** The type of the open record, or 0 when none is open. */
  get openType(): RecordType | 0 {
    return this.#openType
  }

  /** Bytes written so far (closed records only make sense to persist). */
  get bytes(): Uint8Array {
    return this.#bytes.subarray(0, this.#length)
  }

  /** Forgets everything written; the buffer is kept for reuse. */
  clear(): void {
    if (this.#openAt !== -1) throw new Error('cannot clear a buffer with an open record')
    this.#length = 0
  }

  open(type: RecordType): void {
    if (this.#openAt !== -1) this.close()
    this.#ensure(RECORD_HEADER_BYTES)
    this.#openAt = this.#length
    this.#openType = type
    this.#bytes[this.#length] = type
    this.#length += RECORD_HEADER_BYTES
  }

  close(): void {
    const at = this.#openAt
    if (at === -1) return

    const payloadStart = at + RECORD_HEADER_BYTES
    const payload = this.#bytes.subarray(payloadStart, this.#length)
    this.#view.setUint32(at + 1, payload.length)
    this.#view.setUint32(at + 5, crc32(payload))
    this.#openAt = -1
    this.#openType = 0
  }

  /** Payload bytes of the open record so far. */
  get openPayloadBytes(): number {
    return this.#openAt === -1 ? 0 : this.#length - this.#openAt - RECORD_HEADER_BYTES
  }

  writeByte(value: number): void {
    this.#ensure(1)
    this.#bytes[this.#length++] = value
  }

  /** An unsigned integer up to 2^53 as a little-endian base-128 varint. */
  writeUvarint(value: number): void {
    this.#ensure(8)
    const bytes = this.#bytes
    let remaining = value
    // Above 2^31 bit operators would overflow: divide until it fits.
    while (remaining >= TWO_POW_31) {
      bytes[this.#length++] = (remaining % TWO_POW_7) | 0x80
      remaining = Math.floor(remaining / TWO_POW_7)
    }
    while (remaining >= TWO_POW_7) {
      bytes[this.#length++] = (remaining & 0x7f) | 0x80
      remaining >>>= 7
    }
    bytes[this.#length++] = remaining
  }

  /** A signed integer of magnitude below 2^52, zig-zag encoded so small ones stay short. */
  writeVarint(value: number): void {
    this.writeUvarint(value >= 0 ? value * 2 : -value * 2 - 1)
  }

  writeFloat64(value: number): void {
    this.#ensure(8)
    this.#view.setFloat64(this.#length, value)
    this.#length += 8
  }

  writeBytes(bytes: Uint8Array): void {
    this.writeUvarint(bytes.length)
    this.#ensure(bytes.length)
    this.#bytes.set(bytes, this.#length)
    this.#length += bytes.length
  }

  writeString(value: string): void {
    this.writeBytes(encoder.encode(value))
  }

  writeLabels(labels: Labels): void {
    const names = Object.keys(labels)
    this.writeUvarint(names.length)
    for (const name of names) {
      this.writeString(name)
      this.writeString(labels[name]!)
    }
  }

  #ensure(extra: number): void {
    const needed = this.#length + extra
    if (needed <= this.#bytes.length) return

    let capacity = this.#bytes.length * 2
    while (capacity < needed) capacity *= 2
    const next = new Uint8Array(capacity)
    next.set(this.#bytes.subarray(0, this.#length))
    this.#bytes = next
    this.#view = new DataView(next.buffer)
  }
}
