import { randomBytes } from 'node:crypto'
import { v7 as uuidv7 } from 'uuid'

/** A time-ordered unique id (UUIDv7), for rows that are listed in creation order. */
export function newId(): string {
  return uuidv7()
}

/** A random 128-bit hex id, for W3C trace ids. */
export function newTraceId(): string {
  return randomBytes(16).toString('hex')
}
