/**
 * Conversions between float64 values and their two 32-bit words, and the staleness marker.
 *
 * Prometheus marks a stale series with one particular NaN bit pattern. V8 may rewrite NaN
 * payloads whenever a number passes through ordinary JavaScript values, so the marker never
 * travels as a number here: it is written and recognised as raw words only.
 */

/** One float64 and its two words over the same memory, in this machine's byte order. */
const floats = new Float64Array(1)
const words = new Uint32Array(floats.buffer)
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1
const HIGH_INDEX = LITTLE_ENDIAN ? 1 : 0
const LOW_INDEX = LITTLE_ENDIAN ? 0 : 1

/** High and low words of Prometheus's staleness marker NaN (0x7ff0000000000002). */
export const STALE_HIGH = 0x7ff00000
export const STALE_LOW = 0x00000002

/** High word of the NaN every other NaN is stored as, so no value can mimic the marker. */
export const CANONICAL_NAN_HIGH = 0x7ff80000

/** Writes `value` into the scratch words; read them back with {@link highWord}/{@link lowWord}. */
export function splitFloat(value: number): void {
  if (value !== value) {
    words[HIGH_INDEX] = CANONICAL_NAN_HIGH
    words[LOW_INDEX] = 0
    return
  }

  floats[0] = value
}

export function highWord(): number {
  return words[HIGH_INDEX]!
}

export function lowWord(): number {
  return words[LOW_INDEX]!
}

/** The float whose words are `high` and `low` (unsigned). */
export function joinFloat(high: number, low: number): number {
  words[HIGH_INDEX] = high
  words[LOW_INDEX] = low
  return floats[0]!
}

/** Count of leading zero bits in the 64-bit word pair. */
export function leadingZeros64(high: number, low: number): number {
  return high !== 0 ? Math.clz32(high) : 32 + Math.clz32(low)
}

/** Count of trailing zero bits in the 64-bit word pair (64 when both are zero). */
export function trailingZeros64(high: number, low: number): number {
  if (low !== 0) return trailingZeros32(low)
  if (high !== 0) return 32 + trailingZeros32(high)
  return 64
}

function trailingZeros32(word: number): number {
  // The lowest set bit, isolated, has 31 - clz32 zeros below it.
  return 31 - Math.clz32(word & -word)
}
