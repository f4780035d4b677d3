/**
 * XXH64 (seed 0), the hash Prometheus applies to label sets. Written with BigInt: it is
 * only needed where a query must pick the same series as Prometheus (limit_ratio), not on a
 * hot path.
 */

const MASK = (1n << 64n) - 1n
const P1 = 11400714785074694791n
const P2 = 14029467366897019727n
const P3 = 1609587929392839161n
const P4 = 9650029242287828579n
const P5 = 2870177450012600261n

function rotl(value: bigint, bits: bigint): bigint {
  return ((value << bits) | (value >> (64n - bits))) & MASK
}

function round(accumulator: bigint, input: bigint): bigint {
  const mixed = (accumulator + input * P2) & MASK
  return (rotl(mixed, 31n) * P1) & MASK
}

function mergeRound(accumulator: bigint, value: bigint): bigint {
  const mixed = ((accumulator ^ round(0n, value)) * P1) & MASK
  return (mixed + P4) & MASK
}

/** The unsigned 64-bit XXH64 digest of `bytes`. */
export function xxhash64(bytes: Uint8Array): bigint {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const length = bytes.length
  let offset = 0
  let hash: bigint

  if (length >= 32) {
    let v1 = (P1 + P2) & MASK
    let v2 = P2
    let v3 = 0n
    let v4 = (MASK + 1n - P1) & MASK
    while (offset + 32 <= length) {
      v1 = round(v1, view.getBigUint64(offset, true))
      v2 = round(v2, view.getBigUint64(offset + 8, true))
      v3 = round(v3, view.getBigUint64(offset + 16, true))
      v4 = round(v4, view.getBigUint64(offset + 24, true))
      offset += 32
    }
    hash = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & MASK
    for (const value of [v1, v2, v3, v4]) hash = mergeRound(hash, value)
  } else {
    hash = P5
  }
  hash = (hash + BigInt(length)) & MASK

  while (offset + 8 <= length) {
    hash ^= round(0n, view.getBigUint64(offset, true))
    hash = (rotl(hash, 27n) * P1 + P4) & MASK
    offset += 8
  }
  if (offset + 4 <= length) {
    hash ^= (BigInt(view.getUint32(offset, true)) * P1) & MASK
    hash = (rotl(hash, 23n) * P2 + P3) & MASK
    offset += 4
  }
  while (offset < length) {
    hash ^= (BigInt(bytes[offset] ?? 0) * P5) & MASK
    hash = (rotl(hash, 11n) * P1) & MASK
    offset++
  }

  hash ^= hash >> 33n
  hash = (hash * P2) & MASK
  hash ^= hash >> 29n
  hash = (hash * P3) & MASK
  hash ^= hash >> 32n
  return hash
}
