import { fetchJson, FetchFailed } from '../auth/fetch-json.js'
import { accessRequestOf } from './access-request.js'
import type { AccessDecider, AccessDecision, AccessQuery } from './types.js'

export interface RemoteDeciderOptions {
  /** Rampart's base URL; the query goes to `<url>/v1/access/check`. */
  readonly url: string
  readonly timeoutMs: number
  /** The token this service presents to Rampart, when it has one. */
  readonly serviceToken: (() => Promise<string | undefined>) | undefined
}

/**
 * Asks Rampart's decision API, `POST /v1/access/check`. Anything but a well-formed answer
 * (timeout, refused connection, non-2xx, unexpected body) rejects, and the caller denies.
 */
export class RemoteDecider implements AccessDecider {
  readonly #endpoint: string
  readonly #options: RemoteDeciderOptions

  constructor(options: RemoteDeciderOptions) {
    this.#endpoint = `${options.url.replace(/\/$/, '')}/v1/access/check`
    this.#options = options
  }

  async decide(query: AccessQuery): Promise<AccessDecision> {
    const token = await this.#options.serviceToken?.()
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
    }
    if (token !== undefined) headers.authorization = `Bearer ${token}`

    const answer = await fetchJson(this.#endpoint, {
      method: 'POST',
      headers,
      body: JSON.stringify(accessRequestOf(query)),
      timeoutMs: this.#options.timeoutMs,
    })
    if (typeof answer.allowed !== 'boolean') {
      throw new FetchFailed(`${this.#endpoint} answered without a boolean "allowed"`)
    }
    const version = answer.version
    return typeof version === 'number'
      ? { allowed: answer.allowed, policyVersion: version }
      : { allowed: answer.allowed }
  }
}
