import { randomBytes } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

/** A time-ordered unique id (UUIDv7), for rows that are listed in creation order. */
export function newId(): string {
  return uuidv7()
}

// Trace ids are made per request: draw random bytes in blocks, not one call per id.
const poolBytes = 4096
let pool = randomBytes(poolBytes)
let poolOffset = 0

/** A random 128-bit hex id, for W3C trace ids. */
export function newTraceId(): string {
  if (poolOffset + 16 > poolBytes) {
    pool = randomBytes(poolBytes)
    poolOffset = 0
  }
  poolOffset += 16
  return pool.toString('hex', poolOffset - 16, poolOffset)
}
