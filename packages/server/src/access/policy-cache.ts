/**
 * The compiled policy this process answers from. It learns of newer versions from its own
 * commits, from PostgreSQL notifications and from polling, and reloads before answering any
 * decision that asks for a version it has not loaded yet.
 */
import type { Logger } from '../platform/logger.js'
import { RampartError } from '../platform/errors.js'
import type { Dialect } from '../store/database.js'
import type { PolicySnapshot } from '@rampart/access-engine'
import { PolicyEvaluator } from '@rampart/access-engine'
import { readPolicyVersion, readSnapshot } from './store/read-snapshot.js'
import type { AccessDb } from './store/tables.js'

export interface PolicyCacheOptions {
  readonly db: AccessDb
  readonly dialect: Dialect
  readonly logger: Logger
  readonly now: () => number
  /** How long `current(atLeast)` waits for a version not yet committed. */
  readonly consistencyWaitMs: number
}

interface Loaded {
  readonly snapshot: PolicySnapshot
  readonly evaluator: PolicyEvaluator
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export class PolicyCache {
  readonly #options: PolicyCacheOptions
  #loaded: Loaded | undefined
  #loading: Promise<Loaded> | undefined
  /** The highest version known to be committed. */
  #known = 0
  readonly #waiters = new Set<{ readonly above: number; readonly wake: () => void }>()

  constructor(options: PolicyCacheOptions) {
    this.#options = options
  }

  /** The version loaded, or 0 before the first load. */
  get loadedVersion(): number {
    return this.#loaded?.snapshot.version ?? 0
  }

  /** Records that `version` is committed; the next decision reloads if it is newer. */
  noteVersion(version: number): void {
    if (version <= this.#known) return
    this.#known = version
    // Reload in the background so the next decision does not wait for it.
    this.#load().catch((error: unknown) => {
      this.#options.logger.warn({ err: error }, 'access policy reload failed')
    })
  }

  /** Reads the committed version now (the poller's tick). */
  async poll(): Promise<void> {
    this.noteVersion(await readPolicyVersion(this.#options.db))
  }

  /**
   * The evaluator at the newest known version, and at least `atLeast`. A version not yet
   * committed is waited for up to the configured time, then refused.
   */
  async evaluator(atLeast = 0): Promise<PolicyEvaluator> {
    return (await this.#current(atLeast)).evaluator
  }

  async snapshot(atLeast = 0): Promise<PolicySnapshot> {
    return (await this.#current(atLeast)).snapshot
  }

  /** Resolves once a version above `version` is loaded, or after `timeoutMs`. */
  async waitForNewer(version: number, timeoutMs: number): Promise<void> {
    if (this.loadedVersion > version) return
    await new Promise<void>((resolve) => {
      const waiter = {
        above: version,
        wake: () => {
          clearTimeout(timer)
          this.#waiters.delete(waiter)
          resolve()
        },
      }
      const timer = setTimeout(waiter.wake, timeoutMs)
      this.#waiters.add(waiter)
    })
  }

  async #current(atLeast: number): Promise<Loaded> {
    const loaded = this.#loaded
    if (loaded !== undefined && loaded.snapshot.version >= Math.max(this.#known, atLeast)) {
      return loaded
    }
    // A load already under way may have read before the version now known committed:
    // then the next load, which starts after it, reads that version.
    let fresh = await this.#load()
    if (fresh.snapshot.version < this.#known) fresh = await this.#load()
    if (fresh.snapshot.version >= atLeast) return fresh

    // The caller saw a version this replica has not: it may not have committed yet.
    const deadline = this.#options.now() + this.#options.consistencyWaitMs
    while (this.#options.now() < deadline) {
      await sleep(20)
      const committed = await readPolicyVersion(this.#options.db)
      if (committed >= atLeast) {
        this.#known = Math.max(this.#known, committed)
        fresh = await this.#load()
        if (fresh.snapshot.version >= atLeast) return fresh
      }
    }
    throw new RampartError(
      'access_version_unavailable',
      `policy version ${atLeast} is not committed; the latest is ${fresh.snapshot.version}`,
    )
  }

  /** Loads the committed policy; concurrent callers share one load. */
  #load(): Promise<Loaded> {
    this.#loading ??= (async () => {
      try {
        const snapshot = await readSnapshot(this.#options.db, this.#options.dialect)
        const evaluator = new PolicyEvaluator(snapshot, { now: this.#options.now })
        if (snapshot.version >= this.loadedVersion) this.#loaded = { snapshot, evaluator }
        this.#known = Math.max(this.#known, snapshot.version)
        for (const waiter of [...this.#waiters]) {
          if (this.loadedVersion > waiter.above) waiter.wake()
        }
        return this.#loaded ?? { snapshot, evaluator }
      } finally {
        this.#loading = undefined
      }
    })()
    return this.#loading
  }
}
