import type { AccessRequest, Decision } from '@rampart/access-engine'
import { AccessEngineError } from '@rampart/access-engine'
import type { SnapshotSync } from './snapshot-sync.js'

/** Why a local decision could not be made; the caller then asks Rampart. */
export type LocalUnavailable = 'no_snapshot' | 'stale_snapshot'

/**
 * Decides from the policy snapshot `SnapshotSync` keeps, with the access engine Rampart
 * itself uses, so local and remote answers agree. A snapshot Rampart has not confirmed for
 * longer than `maxStalenessMs` is not used: a revoked binding must not keep allowing.
 */
export class LocalDecider {
  readonly #sync: SnapshotSync
  readonly #maxStalenessMs: number
  readonly #now: () => number

  constructor(sync: SnapshotSync, maxStalenessMs: number, now: () => number) {
    this.#sync = sync
    this.#maxStalenessMs = maxStalenessMs
    this.#now = now
  }

  /**
   * Resolves when a decision can be tried: at once, or after the first fetch of the
   * snapshot, so the first requests after start-up do not all go remote. Undefined when
   * there is nothing to wait for.
   */
  pending(): Promise<void> | undefined {
    return this.#sync.evaluator === undefined ? this.#sync.firstAttempt : undefined
  }

  /**
   * The decision, or why there is none. A subject the engine cannot name (a `sub` outside
   * its id alphabet) can hold no binding or grant, so it is denied rather than sent on.
   */
  decide(request: AccessRequest): Decision | LocalUnavailable {
    const evaluator = this.#sync.evaluator
    if (evaluator === undefined) return 'no_snapshot'
    if (this.#now() - this.#sync.confirmedAt > this.#maxStalenessMs) return 'stale_snapshot'
    try {
      return evaluator.check(request)
    } catch (error) {
      if (!(error instanceof AccessEngineError)) throw error
      return { allowed: false, reason: 'no_permission', version: evaluator.version }
    }
  }
}
