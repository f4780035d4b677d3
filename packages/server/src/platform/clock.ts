/** The source of time for everything that schedules or expires; tests pass a manual clock. */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number
}

export const systemClock: Clock = { now: () => Date.now() }

/** A clock that moves only when told to, for tests of expiry and scheduling. */
export class ManualClock implements Clock {
  #nowMs: number

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.#nowMs = startMs
  }

  now(): number {
    return this.#nowMs
  }

  advance(ms: number): void {
    this.#nowMs += ms
  }

  set(ms: number): void {
    this.#nowMs = ms
  }
}
