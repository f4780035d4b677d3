/**
 * The hash chain: each event's `hash` commits to its content and to every event before it.
 *
 *     hash(n) = SHA-256( prevHash(n) ‖ JCS(event n without "hash" and "prevHash") )
 *     prevHash(n) = hash(n - 1),   prevHash(1) = 32 zero bytes
 *
 * `prevHash` enters as its 32 raw bytes, the event as the UTF-8 bytes of its RFC 8785 encoding.
 * Every other member of the recorded event is hashed: `id`, `seq`, `type`, both timestamps,
 * `tenant`, actor, source, target, action, outcome, severity, data classes, request and trace
 * ids and `fields`. Hashing `seq` makes a renumbered event a modified one. Members a storage
 * layer adds must be left out of the exported event or they will be hashed too.
 *
 * @example
 * const chained = chainEvents(recordedBatch, headHash)
 * const newHead = chained.at(-1)?.hash ?? headHash
 */
import { canonicalizeEvent } from './canonical-event.js'
import type { ChainedAuditEvent, RecordedAuditEvent } from './event.js'
import { HASH_BYTES, hashFromHex, sha256 } from './hashing.js'

export { CHAIN_MEMBERS } from './canonical-event.js'

/** The canonical text that is hashed for an event (chain members ignored if present). */
export function hashedEventText(event: object): string {
  return canonicalizeEvent(event)
}

/** The chain hash of one event given the previous hash, both lowercase hex. */
export function computeEventHash(prevHash: string, event: object): string {
  const hasher = new ChainHasher(hashFromHex(prevHash, 'prevHash'))
  return hasher.next(hashedEventText(event)).toString('hex')
}

/** Adds `prevHash` and `hash` to one recorded event. */
export function chainEvent(event: RecordedAuditEvent, prevHash: string): ChainedAuditEvent {
  return Object.assign({}, event, { prevHash, hash: computeEventHash(prevHash, event) })
}

/**
 * Chains a batch in order, starting from `prevHash` (the current head of the log). The batch's
 * own order is the chain order; `seq` is hashed but not checked here.
 */
export function chainEvents(
  events: readonly RecordedAuditEvent[],
  prevHash: string,
): ChainedAuditEvent[] {
  const hasher = new ChainHasher(hashFromHex(prevHash, 'prevHash'))
  let previous = prevHash

  return events.map((event) => {
    const hash = hasher.next(hashedEventText(event)).toString('hex')
    // Object.assign copies an event of this size about twice as fast as spread syntax in V8.
    const chained: ChainedAuditEvent = Object.assign({}, event, { prevHash: previous, hash })
    previous = hash
    return chained
  })
}

/**
 * Walks a chain without re-encoding hashes: keeps the previous digest as bytes and one scratch
 * buffer for `prevHash ‖ text`, so each step is one UTF-8 write and one SHA-256.
 */
export class ChainHasher {
  #scratch = Buffer.allocUnsafe(4096)
  #previous: Buffer

  constructor(prevHash: Buffer) {
    this.#previous = prevHash
  }

  /** The digest the next event will chain to. */
  get head(): Buffer {
    return this.#previous
  }

  /** Hashes the canonical text of the next event and makes the result the new head. */
  next(canonicalText: string): Buffer {
    const hash = this.peek(canonicalText)
    this.#previous = hash
    return hash
  }

  /** The hash the next event would get, without moving the head. */
  peek(canonicalText: string, prevHash: Buffer = this.#previous): Buffer {
    // A UTF-16 code unit never takes more than 3 bytes in UTF-8, so this bound is safe.
    const needed = HASH_BYTES + canonicalText.length * 3
    if (needed > this.#scratch.length) this.#scratch = Buffer.allocUnsafe(needed * 2)

    prevHash.copy(this.#scratch, 0, 0, HASH_BYTES)
    const written = this.#scratch.write(canonicalText, HASH_BYTES, 'utf8')
    return sha256(this.#scratch.subarray(0, HASH_BYTES + written))
  }

  /** Moves the head without hashing, e.g. to a trusted hash after a detected break. */
  reset(prevHash: Buffer): void {
    this.#previous = prevHash
  }
}
