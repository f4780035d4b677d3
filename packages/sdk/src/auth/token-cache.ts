import { hash } from 'node:crypto'
import type { RampartAuth } from './types.js'

interface Entry {
  readonly auth: RampartAuth
  readonly expiresAtMs: number
}

/**
 * Tokens already verified, keyed by their SHA-256 (the token itself is never kept), until
 * the token expires or the entry's own limit passes. Bounded: when full, the oldest entry
 * goes first.
 */
export class TokenCache {
  readonly #entries = new Map<string, Entry>()
  readonly #maxEntries: number
  readonly #now: () => number

  constructor(maxEntries: number, now: () => number) {
    this.#maxEntries = maxEntries
    this.#now = now
  }

  static keyOf(token: string): string {
    // The one-shot form: no Hash object per request on the hot path.
    return hash('sha256', token, 'base64url')
  }

  get(key: string): RampartAuth | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAtMs <= this.#now()) {
      this.#entries.delete(key)
      return undefined
    }
    return entry.auth
  }

  set(key: string, auth: RampartAuth, expiresAtMs: number): void {
    if (this.#maxEntries <= 0 || expiresAtMs <= this.#now()) return
    if (this.#entries.size >= this.#maxEntries && !this.#entries.has(key)) {
      const oldest = this.#entries.keys().next()
      if (oldest.done !== true) this.#entries.delete(oldest.value)
    }
    this.#entries.set(key, { auth, expiresAtMs })
  }

  get size(): number {
    return this.#entries.size
  }
}
