/**
 * Event ids: UUIDv7 (RFC 9562 §5.7), in creation order within this process, with the random
 * bits drawn from a pooled block. Asking the system for 16 random bytes per event cost an
 * append more than hashing the event did; one draw of 4 KiB now serves 256 ids.
 */
import { randomFillSync } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

const ID_BYTES = 16
const POOL_BYTES = 4096

const pool = new Uint8Array(POOL_BYTES)
let poolOffset = POOL_BYTES

/** Milliseconds and 31-bit counter of the last id, so ids in one millisecond keep order. */
let lastMs = -Infinity
let counter = 0

/** A fresh UUIDv7 for an event without one. */
export function newEventId(nowMs: number = Date.now()): string {
  if (poolOffset + ID_BYTES > POOL_BYTES) {
    randomFillSync(pool)
    poolOffset = 0
  }
  const random = pool.subarray(poolOffset, poolOffset + ID_BYTES)
  poolOffset += ID_BYTES

  // The counter (RFC 9562 §6.2, method 1) starts at random in each new millisecond and counts
  // up within it; when it wraps, the id borrows the next millisecond, as the uuid package does.
  if (nowMs > lastMs) {
    lastMs = nowMs
    counter = (((random[6] as number) & 0x7f) << 24) | ((random[7] as number) << 16)
    counter |= ((random[8] as number) << 8) | (random[9] as number)
  } else {
    counter = (counter + 1) | 0
    if (counter === 0) lastMs++
  }
  return uuidv7({ random, msecs: lastMs, seq: counter })
}
