/**
 * Compressed chunks of samples: delta-of-delta timestamps and XOR-encoded float values, the
 * scheme described in Facebook's Gorilla paper and used by Prometheus.
 *
 * Layout of one chunk's bit stream (the sample count is kept beside the bytes, not in them):
 *
 * - first sample: timestamp as 64 bits, value as 64 bits;
 * - every later sample: the difference between this and the previous timestamp delta
 *   ("delta of delta"; for the second sample the delta itself) in a prefix-coded bucket, then
 *   the value XOR-ed with the previous value: `0` when equal, `10` + the meaningful bits when
 *   they fit the previous window of leading/trailing zeros, or `11` + 5 bits of leading zeros
 *   + 6 bits of meaningful-bit count + the meaningful bits.
 *
 * Staleness markers are written as Prometheus's marker NaN and compared as raw words on
 * reading, so they survive exactly; every other NaN is stored as the canonical quiet NaN.
 */

import { BitReader, BitWriter } from './bit-stream.js'
import {
  STALE_HIGH,
  STALE_LOW,
  highWord,
  joinFloat,
  leadingZeros64,
  lowWord,
  splitFloat,
  trailingZeros64,
} from './float-bits.js'

const TWO_POW_32 = 4294967296

/**
 * Payload bits of the delta-of-delta buckets after the prefixes `10`, `110` and `1110`
 * (two's complement); `1111` is followed by 64 bits. `writeDeltaOfDelta` spells them out.
 */
const BUCKET_PAYLOAD_BITS = [14, 17, 20] as const

const NO_WINDOW = 0xff

/** An append-only encoder for one chunk. Timestamps must strictly increase. */
export class ChunkEncoder {
  readonly #writer: BitWriter
  #count = 0
  #firstTimestampMs = 0
  #lastTimestampMs = 0
  #lastDeltaMs = 0
  #previousHigh = 0
  #previousLow = 0
  #leading = NO_WINDOW
  #trailing = 0

  constructor(initialCapacityBytes?: number) {
    this.#writer = new BitWriter(initialCapacityBytes)
  }

  get count(): number {
    return this.#count
  }

  get firstTimestampMs(): number {
    return this.#firstTimestampMs
  }

  get lastTimestampMs(): number {
    return this.#lastTimestampMs
  }

  get byteLength(): number {
    return this.#writer.byteLength
  }

  get capacityBytes(): number {
    return this.#writer.capacityBytes
  }

  /** The live bytes (valid until the next append); decode with `count` samples. */
  get bytes(): Uint8Array {
    return this.#writer.bytes
  }

  /** Appends one sample; `stale` writes the staleness marker and ignores `value`. */
  append(timestampMs: number, value: number, stale: boolean): void {
    let high: number
    let low: number
    if (stale) {
      high = STALE_HIGH
      low = STALE_LOW
    } else {
      splitFloat(value)
      high = highWord()
      low = lowWord()
    }

    const writer = this.#writer
    if (this.#count === 0) {
      writeInt64(writer, timestampMs)
      writer.writeBits(high, 32)
      writer.writeBits(low, 32)
      this.#firstTimestampMs = timestampMs
    } else {
      const delta = timestampMs - this.#lastTimestampMs
      writeDeltaOfDelta(writer, delta - this.#lastDeltaMs)
      this.#lastDeltaMs = delta
      this.#writeValue(high, low)
    }

    this.#lastTimestampMs = timestampMs
    this.#previousHigh = high
    this.#previousLow = low
    this.#count++
  }

  /** A copy of exactly the encoded bytes, for a chunk that is complete. */
  finish(): Uint8Array {
    return this.#writer.finish()
  }

  #writeValue(high: number, low: number): void {
    const writer = this.#writer
    const xorHigh = (high ^ this.#previousHigh) >>> 0
    const xorLow = (low ^ this.#previousLow) >>> 0
    if (xorHigh === 0 && xorLow === 0) {
      writer.writeBit(0)
      return
    }

    writer.writeBit(1)
    let leading = leadingZeros64(xorHigh, xorLow)
    const trailing = trailingZeros64(xorHigh, xorLow)
    // Five bits hold the leading-zero count.
    if (leading > 31) leading = 31

    if (this.#leading !== NO_WINDOW && leading >= this.#leading && trailing >= this.#trailing) {
      writer.writeBit(0)
      writeSlice(writer, xorHigh, xorLow, this.#trailing, 64 - this.#leading - this.#trailing)
      return
    }

    const significant = 64 - leading - trailing
    writer.writeBit(1)
    writer.writeBits(leading, 5)
    // 64 significant bits do not fit six bits; 0 stands for it, since 0 cannot occur.
    writer.writeBits(significant === 64 ? 0 : significant, 6)
    writeSlice(writer, xorHigh, xorLow, trailing, significant)
    this.#leading = leading
    this.#trailing = trailing
  }
}

/** Re-encodes decoded samples into a fresh encoder, e.g. to resume a persisted open chunk. */
export function resumeChunk(bytes: Uint8Array, count: number): ChunkEncoder {
  const encoder = new ChunkEncoder(Math.max(16, bytes.length))
  const iterator = new ChunkIterator(bytes, count)
  while (iterator.next()) encoder.append(iterator.timestampMs, iterator.value, iterator.stale)
  return encoder
}

/**
 * Decodes a chunk sample by sample. `next()` advances and returns false at the end; the
 * current sample is then in `timestampMs`, `value` and `stale`.
 */
export class ChunkIterator {
  timestampMs = 0
  value = 0
  stale = false

  readonly #reader: BitReader
  #count: number
  #index = 0
  #deltaMs = 0
  #high = 0
  #low = 0
  #leading = 0
  #trailing = 0

  /** Decodes `count` samples from the chunk starting at `byteOffset` in `bytes`. */
  constructor(bytes: Uint8Array, count: number, byteOffset = 0) {
    this.#reader = new BitReader(bytes, byteOffset * 8)
    this.#count = count
  }

  /** Starts over on another chunk, so one iterator can decode many without allocating. */
  reset(bytes: Uint8Array, count: number, byteOffset = 0): void {
    this.#reader.reset(bytes, byteOffset * 8)
    this.#count = count
    this.#index = 0
    this.#deltaMs = 0
    this.#leading = 0
    this.#trailing = 0
    this.timestampMs = 0
  }

  next(): boolean {
    if (this.#index >= this.#count) return false

    const reader = this.#reader
    if (this.#index === 0) {
      this.timestampMs = readInt64(reader)
      this.#high = reader.readBits(32)
      this.#low = reader.readBits(32)
    } else {
      if (reader.readBit() === 1) this.#deltaMs += readDeltaOfDeltaAfterOne(reader)
      this.timestampMs += this.#deltaMs
      // An unchanged value (the common case for gauges) keeps `value` and `stale` as they are.
      if (!this.#readValue()) {
        this.#index++
        return true
      }
    }

    this.#index++
    this.stale = this.#high === STALE_HIGH && this.#low === STALE_LOW
    this.value = this.stale ? NaN : joinFloat(this.#high, this.#low)
    return true
  }

  /** Reads the next value's XOR; returns whether the value changed. */
  #readValue(): boolean {
    const reader = this.#reader
    if (reader.readBit() === 0) return false

    if (reader.readBit() === 1) {
      this.#leading = reader.readBits(5)
      const significant = reader.readBits(6)
      this.#trailing = 64 - this.#leading - (significant === 0 ? 64 : significant)
    }

    const significant = 64 - this.#leading - this.#trailing
    const slice = readSlice(reader, significant, this.#trailing)
    this.#high = (this.#high ^ slice.high) >>> 0
    this.#low = (this.#low ^ slice.low) >>> 0
    return true
  }
}

function writeInt64(writer: BitWriter, value: number): void {
  const high = Math.floor(value / TWO_POW_32)
  writer.writeBits(high >>> 0, 32)
  writer.writeBits(value >>> 0, 32)
}

function readInt64(reader: BitReader): number {
  const high = reader.readBits(32) | 0
  return high * TWO_POW_32 + reader.readBits(32)
}

function writeDeltaOfDelta(writer: BitWriter, deltaOfDelta: number): void {
  if (deltaOfDelta === 0) {
    writer.writeBit(0)
  } else if (deltaOfDelta >= -8192 && deltaOfDelta < 8192) {
    writer.writeBits(0b10, 2)
    writer.writeBits(deltaOfDelta & 0x3fff, 14)
  } else if (deltaOfDelta >= -65536 && deltaOfDelta < 65536) {
    writer.writeBits(0b110, 3)
    writer.writeBits(deltaOfDelta & 0x1ffff, 17)
  } else if (deltaOfDelta >= -524288 && deltaOfDelta < 524288) {
    writer.writeBits(0b1110, 4)
    writer.writeBits(deltaOfDelta & 0xfffff, 20)
  } else {
    writer.writeBits(0b1111, 4)
    writeInt64(writer, deltaOfDelta)
  }
}

/** Reads a delta of delta whose first prefix bit, a one, was already read. */
function readDeltaOfDeltaAfterOne(reader: BitReader): number {
  let ones = 1
  while (ones < 4 && reader.readBit() === 1) ones++

  const payloadBits = BUCKET_PAYLOAD_BITS[ones - 1]
  if (payloadBits === undefined) return readInt64(reader)

  const raw = reader.readBits(payloadBits)
  const limit = 2 ** (payloadBits - 1)
  return raw >= limit ? raw - 2 * limit : raw
}

/** Writes `count` bits of the 64-bit word pair after shifting it right by `shift`. */
function writeSlice(
  writer: BitWriter,
  high: number,
  low: number,
  shift: number,
  count: number,
): void {
  let shiftedHigh: number
  let shiftedLow: number
  if (shift === 0) {
    shiftedHigh = high
    shiftedLow = low
  } else if (shift < 32) {
    shiftedHigh = high >>> shift
    shiftedLow = ((low >>> shift) | (high << (32 - shift))) >>> 0
  } else {
    shiftedHigh = 0
    shiftedLow = shift === 64 ? 0 : high >>> (shift - 32)
  }

  if (count > 32) {
    writer.writeBits(shiftedHigh, count - 32)
    writer.writeBits(shiftedLow, 32)
  } else {
    writer.writeBits(shiftedLow, count)
  }
}

const slice = { high: 0, low: 0 }

/** Reads `count` bits and shifts them left by `shift` into a 64-bit word pair. */
function readSlice(reader: BitReader, count: number, shift: number): typeof slice {
  let high = 0
  let low: number
  if (count > 32) {
    high = reader.readBits(count - 32)
    low = reader.readBits(32)
  } else {
    low = reader.readBits(count)
  }

  if (shift === 0) {
    slice.high = high
    slice.low = low
  } else if (shift < 32) {
    slice.high = ((high << shift) | (low >>> (32 - shift))) >>> 0
    slice.low = (low << shift) >>> 0
  } else {
    slice.high = shift === 64 ? 0 : (low << (shift - 32)) >>> 0
    slice.low = 0
  }

  return slice
}
