/**
 * Keeps a replica's policy cache current: a PostgreSQL LISTEN connection hears each committed
 * version within milliseconds, and a poll of the version row covers SQLite (one process) and
 * any notification lost while that connection was down.
 */
import pg from 'pg'

import type { Logger } from '../platform/logger.js'
import type { PolicyCache } from './policy-cache.js'
import { POLICY_CHANNEL } from './store/policy-changes.js'

export interface PolicyListenerOptions {
  readonly cache: PolicyCache
  readonly logger: Logger
  /** The PostgreSQL URL to listen on; undefined on SQLite. */
  readonly postgresUrl: string | undefined
  /** The schema the policy tables live in: other schemas' notifications are ignored. */
  readonly schema: () => Promise<string>
  readonly pollIntervalMs: number
}

const reconnectDelayMs = 1000

export class PolicyListener {
  readonly #options: PolicyListenerOptions
  #client: pg.Client | undefined
  #pollTimer: NodeJS.Timeout | undefined
  #reconnectTimer: NodeJS.Timeout | undefined
  #stopped = true

  constructor(options: PolicyListenerOptions) {
    this.#options = options
  }

  async start(): Promise<void> {
    this.#stopped = false
    await this.#options.cache.poll()
    this.#schedulePoll()
    const url = this.#options.postgresUrl
    if (url !== undefined) await this.#listen(url, await this.#options.schema())
  }

  async stop(): Promise<void> {
    this.#stopped = true
    clearTimeout(this.#pollTimer)
    clearTimeout(this.#reconnectTimer)
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => undefined)
  }

  #schedulePoll(): void {
    this.#pollTimer = setTimeout(() => {
      this.#options.cache
        .poll()
        .catch((error: unknown) => {
          this.#options.logger.warn({ err: error }, 'access policy version poll failed')
        })
        .finally(() => {
          if (!this.#stopped) this.#schedulePoll()
        })
    }, this.#options.pollIntervalMs)
  }

  async #listen(url: string, schema: string): Promise<void> {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 })
    const retry = (error: unknown) => {
      if (this.#stopped || this.#client !== client) return
      this.#client = undefined
      this.#options.logger.warn({ err: error }, 'access policy LISTEN connection lost; polling')
      client.end().catch(() => undefined)
      this.#reconnectTimer = setTimeout(() => void this.#listen(url, schema), reconnectDelayMs)
    }
    client.on('error', retry)
    client.on('notification', (message) => {
      const payload = message.payload ?? ''
      const separator = payload.lastIndexOf(':')
      const version = Number(payload.slice(separator + 1))
      const sameSchema = payload.slice(0, separator) === schema
      if (message.channel === POLICY_CHANNEL && sameSchema && Number.isSafeInteger(version)) {
        this.#options.cache.noteVersion(version)
      }
    })
    this.#client = client
    try {
      await client.connect()
      await client.query(`LISTEN ${POLICY_CHANNEL}`)
      // Anything committed while not listening is picked up now rather than at the next poll.
      await this.#options.cache.poll()
    } catch (error) {
      retry(error)
    }
  }
}
