/**
 * A short-lived cache of client metadata for the token endpoint, which otherwise reads and
 * parses the client's row on every request. Changes made through this process (secret
 * rotation, deletion) clear the entry at once; other replicas see them within `ttlMs`.
 */
import type { Clock } from '../../platform/clock.js'

export class ClientCache {
  readonly #entries = new Map<string, { metadata: Record<string, unknown>; expiresAt: number }>()
  readonly #clock: Clock
  readonly #ttlMs: number

  constructor(clock: Clock, ttlMs: number) {
    this.#clock = clock
    this.#ttlMs = ttlMs
  }

  get(clientId: string): Record<string, unknown> | undefined {
    const entry = this.#entries.get(clientId)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.#clock.now()) {
      this.#entries.delete(clientId)
      return undefined
    }
    // A copy: the provider must not change what the next request reads.
    return structuredClone(entry.metadata)
  }

  set(clientId: string, metadata: Record<string, unknown>): void {
    if (this.#entries.size >= 10_000) this.#entries.clear()
    this.#entries.set(clientId, { metadata, expiresAt: this.#clock.now() + this.#ttlMs })
  }

  forget(clientId: string): void {
    this.#entries.delete(clientId)
  }
}
