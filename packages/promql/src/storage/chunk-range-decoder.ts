/**
 * The query path's chunk decoder: the format of `xor-chunk.ts` decoded in one function with
 * all state in local variables, straight into the arrays a query returns.
 *
 * {@link ChunkIterator} reads the same format sample by sample through objects; this version
 * exists because queries decode millions of samples and keeping the bit position and the
 * previous value in locals makes each sample cheaper.
 */

import { STALE_HIGH, STALE_LOW, joinFloat } from './float-bits.js'

/**
 * Arrays shared by all series of one query, sized from an estimate and grown when it falls
 * short; `length` is the next free slot. `stale` is created at the first marker.
 */
export interface SampleSink {
  timestampsMs: Float64Array
  values: Float64Array
  stale: Uint8Array | undefined
  length: number
}

const TWO_POW_32 = 4294967296

/**
 * Appends the samples of one chunk (`count` samples starting at `byteOffset` in `bytes`) whose
 * timestamps lie in [startMs, endMs] to the sink, oldest first.
 */
export function decodeChunkRange(
  bytes: Uint8Array,
  byteOffset: number,
  count: number,
  startMs: number,
  endMs: number,
  sink: SampleSink,
): void {
  if (count === 0) return

  let position = byteOffset * 8
  let timestampMs = (readBitsAt(bytes, position, 32) | 0) * TWO_POW_32
  timestampMs += readBitsAt(bytes, position + 32, 32)
  let high = readBitsAt(bytes, position + 64, 32)
  let low = readBitsAt(bytes, position + 96, 32)
  position += 128

  let stale = high === STALE_HIGH && low === STALE_LOW
  let value = stale ? NaN : joinFloat(high, low)
  let deltaMs = 0
  let leading = 0
  let trailing = 0
  let index = 0
  for (;;) {
    if (timestampMs > endMs) return
    if (timestampMs >= startMs) push(sink, timestampMs, value, stale)

    if (++index >= count) return

    // Timestamp: `0`, or `10`/`110`/`1110` + 14/17/20 bits, or `1111` + 64 bits.
    if (readBitAt(bytes, position++) === 1) {
      let ones = 1
      while (ones < 4 && readBitAt(bytes, position++) === 1) ones++
      if (ones === 4) {
        const deltaHigh = readBitsAt(bytes, position, 32) | 0
        deltaMs += deltaHigh * TWO_POW_32 + readBitsAt(bytes, position + 32, 32)
        position += 64
      } else {
        const bits = ones === 1 ? 14 : ones === 2 ? 17 : 20
        const raw = readBitsAt(bytes, position, bits)
        position += bits
        const limit = 2 ** (bits - 1)
        deltaMs += raw >= limit ? raw - 2 * limit : raw
      }
    }
    timestampMs += deltaMs

    // Value: `0` when unchanged, else `10` + bits in the previous window, or `11` + window.
    if (readBitAt(bytes, position++) === 0) continue

    if (readBitAt(bytes, position++) === 1) {
      leading = readBitsAt(bytes, position, 5)
      const significant = readBitsAt(bytes, position + 5, 6)
      position += 11
      trailing = 64 - leading - (significant === 0 ? 64 : significant)
    }

    const significant = 64 - leading - trailing
    let xorHigh = 0
    let xorLow: number
    if (significant > 32) {
      xorHigh = readBitsAt(bytes, position, significant - 32)
      xorLow = readBitsAt(bytes, position + significant - 32, 32)
    } else {
      xorLow = readBitsAt(bytes, position, significant)
    }
    position += significant

    // Shift the meaningful bits back into place.
    if (trailing >= 32) {
      xorHigh = trailing === 64 ? 0 : xorLow << (trailing - 32)
      xorLow = 0
    } else if (trailing > 0) {
      xorHigh = (xorHigh << trailing) | (xorLow >>> (32 - trailing))
      xorLow = xorLow << trailing
    }

    high = (high ^ xorHigh) >>> 0
    low = (low ^ xorLow) >>> 0
    stale = high === STALE_HIGH && low === STALE_LOW
    value = stale ? NaN : joinFloat(high, low)
  }
}

function push(sink: SampleSink, timestampMs: number, value: number, stale: boolean): void {
  const index = sink.length++
  if (index >= sink.values.length) grow(sink)
  sink.timestampsMs[index] = timestampMs
  sink.values[index] = value
  if (stale) {
    sink.stale ??= new Uint8Array(sink.values.length)
    sink.stale[index] = 1
  }
}

/** Doubles the sink's arrays; views taken of the old ones stay valid. */
function grow(sink: SampleSink): void {
  const capacity = Math.max(64, sink.values.length * 2)
  const timestampsMs = new Float64Array(capacity)
  timestampsMs.set(sink.timestampsMs)
  const values = new Float64Array(capacity)
  values.set(sink.values)
  sink.timestampsMs = timestampsMs
  sink.values = values
  if (sink.stale !== undefined) {
    const stale = new Uint8Array(capacity)
    stale.set(sink.stale)
    sink.stale = stale
  }
}

/** The bit at `position`; bytes past the end are undefined and read as zeros. */
function readBitAt(bytes: Uint8Array, position: number): number {
  return (bytes[position >>> 3]! >>> (7 - (position & 7))) & 1
}

/** `count` bits (1 ≤ count ≤ 32) at `position` as an unsigned integer. */
function readBitsAt(bytes: Uint8Array, position: number, count: number): number {
  const offset = position & 7
  if (offset + count > 32) {
    const low = offset + count - 32
    const high = readWindowAt(bytes, position, count - low)
    return high * (1 << low) + readWindowAt(bytes, position + count - low, low)
  }
  return readWindowAt(bytes, position, count)
}

function readWindowAt(bytes: Uint8Array, position: number, count: number): number {
  const index = position >>> 3
  const window =
    (bytes[index]! << 24) | (bytes[index + 1]! << 16) | (bytes[index + 2]! << 8) | bytes[index + 3]!
  return ((window << (position & 7)) >>> (32 - count)) >>> 0
}
