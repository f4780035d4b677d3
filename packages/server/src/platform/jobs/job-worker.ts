import type { Logger } from '../logger.js'
import type { Job, JobQueue } from './job-queue.js'

/** Runs one job. Throwing (or rejecting) schedules a retry with backoff. */
export type JobHandler = (payload: unknown, job: Job) => Promise<void>

export type JobOutcome = 'done' | 'retry' | 'failed' | 'lost'

export interface JobResult {
  readonly id: string
  readonly kind: string
  readonly outcome: JobOutcome
  readonly error?: string
}

export interface JobWorkerOptions {
  readonly queue: JobQueue
  readonly workerId: string
  readonly logger: Logger
  readonly pollIntervalMs: number
  readonly claimTimeoutMs: number
  readonly batchSize?: number
}

/**
 * Polls the job queue and runs due jobs with the registered handlers. Jobs are delivered at
 * least once: a worker that dies mid-job loses its claim when the claim times out.
 */
export class JobWorker {
  readonly #options: JobWorkerOptions
  readonly #handlers = new Map<string, JobHandler>()
  #timer: NodeJS.Timeout | undefined
  #running: Promise<unknown> | undefined
  #stopped = true

  constructor(options: JobWorkerOptions) {
    this.#options = options
  }

  /** Registers the handler of a job kind; a kind has one handler. */
  handle(kind: string, handler: JobHandler): void {
    if (this.#handlers.has(kind)) throw new Error(`job kind ${kind} already has a handler`)
    this.#handlers.set(kind, handler)
  }

  /** Claims and runs one batch of due jobs; one result per job. */
  async runDue(): Promise<JobResult[]> {
    const { queue, workerId } = this.#options
    const jobs = await queue.claimDue({
      workerId,
      kinds: [...this.#handlers.keys()],
      limit: this.#options.batchSize ?? 10,
      claimTimeoutMs: this.#options.claimTimeoutMs,
    })
    return Promise.all(jobs.map((job) => this.#run(job)))
  }

  async #run(job: Job): Promise<JobResult> {
    const { queue, workerId, logger } = this.#options
    const handler = this.#handlers.get(job.kind)
    try {
      if (handler === undefined) throw new Error(`no handler for job kind ${job.kind}`)
      await handler(JSON.parse(job.payload) as unknown, job)
      const kept = await queue.complete(job, workerId)
      return { id: job.id, kind: job.kind, outcome: kept ? 'done' : 'lost' }
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error)
      const outcome = await queue.fail(job, workerId, message)
      const level = outcome === 'failed' ? 'error' : 'warn'
      logger[level](
        { err: error, jobId: job.id, kind: job.kind, attempts: job.attempts },
        'job failed',
      )
      return { id: job.id, kind: job.kind, outcome, error: message }
    }
  }

  start(): void {
    if (!this.#stopped) return
    this.#stopped = false
    this.#schedule(0)
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return
    this.#timer = setTimeout(() => {
      this.#running = this.runDue()
        .catch((error: unknown) => {
          this.#options.logger.error({ err: error }, 'claiming jobs failed')
          return []
        })
        .then((results) => {
          // A full batch suggests more are due: go again at once instead of waiting.
          const full = results.length >= (this.#options.batchSize ?? 10)
          this.#schedule(full ? 0 : this.#options.pollIntervalMs)
        })
    }, delayMs)
  }

  /** Stops polling and waits for the batch in progress to finish. */
  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#timer)
    await this.#running
  }
}
