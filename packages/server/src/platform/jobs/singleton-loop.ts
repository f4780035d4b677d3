import type { Logger } from '../logger.js'
import type { LeaseGrant, Leases } from './lease.js'

export interface SingletonLoopOptions {
  readonly name: string
  readonly holder: string
  readonly leases: Leases
  readonly intervalMs: number
  readonly leaseTtlMs: number
  readonly logger: Logger
  /** One iteration of the loop; runs only while this process holds the lease. */
  readonly tick: (grant: LeaseGrant) => Promise<void>
}

/**
 * A loop that runs on one replica at a time: each iteration renews the lease first and
 * runs only when this process holds it, so a dead holder's loop moves elsewhere within a TTL.
 */
export class SingletonLoop {
  readonly #options: SingletonLoopOptions
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #stopped = true

  constructor(options: SingletonLoopOptions) {
    if (options.leaseTtlMs <= options.intervalMs) {
      throw new Error(`lease ttl of ${options.name} must exceed its interval`)
    }
    this.#options = options
  }

  /** One iteration, exposed for tests: renew the lease, then tick if held. */
  async runOnce(): Promise<boolean> {
    const { leases, name, holder, leaseTtlMs } = this.#options
    const grant = await leases.acquire(name, holder, leaseTtlMs)
    if (grant === undefined) return false
    await this.#options.tick(grant)
    return true
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#schedule(0)
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#running = this.runOnce()
        .then(
          () => undefined,
          (error: unknown) => {
            this.#options.logger.error({ err: error, loop: this.#options.name }, 'loop failed')
          },
        )
        .finally(() => this.#schedule(this.#options.intervalMs))
    }, delayMs)
  }

  /** Stops the loop, waits for the running iteration and releases the lease. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
    await this.#options.leases.release(this.#options.name, this.#options.holder)
  }
}
