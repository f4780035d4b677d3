import type { FlattenedJWSInput, JSONWebKeySet, JWSHeaderParameters, LocalJWKSet } from 'jose'
import { createLocalJWKSet, errors } from 'jose'
import { fetchJson, FetchFailed } from './fetch-json.js'

const firstLoadRetryMs = 1_000

export interface KeySetOptions {
  /** Where the JWKS is: a fixed URL or one found through discovery. */
  readonly jwksUri: () => Promise<string>
  readonly timeoutMs: number
  /** The least time between two fetches caused by tokens with an unknown `kid`. */
  readonly cooldownMs: number
  /** After this age the set is refreshed in the background while it keeps being used. */
  readonly maxAgeMs: number
  readonly now: () => number
  readonly onRefreshFailed: (error: unknown) => void
}

/**
 * Rampart's public signing keys, fetched from its JWKS and kept.
 *
 * Unlike a plain remote key set it keeps answering from the last good set while the JWKS
 * endpoint is down: a stale set is refreshed in the background, and a failed refresh leaves
 * it in place. A token whose `kid` is not in the set causes one refresh, at most once per
 * cooldown (so a flood of made-up kids cannot turn into a flood of fetches); if the key is
 * still unknown the token is refused.
 */
export class RemoteKeySet {
  readonly #options: KeySetOptions
  #keys: LocalJWKSet | undefined
  #fetchedAt = Number.NEGATIVE_INFINITY
  #attemptedAt = Number.NEGATIVE_INFINITY
  #pending: Promise<void> | undefined

  constructor(options: KeySetOptions) {
    this.#options = options
  }

  /** The key resolver handed to jose's `jwtVerify`. */
  readonly getKey = async (
    header: JWSHeaderParameters,
    token: FlattenedJWSInput,
  ): ReturnType<LocalJWKSet> => {
    if (this.#keys === undefined) await this.#firstLoad()
    else if (this.#options.now() - this.#fetchedAt > this.#options.maxAgeMs) {
      this.#refreshQuietly()
    }
    const keys = this.#keys
    if (keys === undefined) throw new FetchFailed('no signing keys are available')

    try {
      return await keys(header, token)
    } catch (error) {
      const coolingDown = this.#options.now() - this.#attemptedAt < this.#options.cooldownMs
      if (!(error instanceof errors.JWKSNoMatchingKey) || coolingDown) throw error
      await this.#refresh().catch((refreshError: unknown) => {
        this.#options.onRefreshFailed(refreshError)
      })
      return await (this.#keys ?? keys)(header, token)
    }
  }

  // While there is no key set at all, every token would wait for a fetch: a failed one is
  // retried at most once a second, and tokens in between are refused at once.
  async #firstLoad(): Promise<void> {
    const recentlyFailed = this.#options.now() - this.#attemptedAt < firstLoadRetryMs
    if (recentlyFailed && this.#pending === undefined) {
      throw new FetchFailed('the JWKS could not be fetched a moment ago')
    }
    await this.#refresh()
  }

  #refreshQuietly(): void {
    this.#refresh().catch((error: unknown) => this.#options.onRefreshFailed(error))
  }

  async #refresh(): Promise<void> {
    this.#pending ??= this.#load().finally(() => (this.#pending = undefined))
    return this.#pending
  }

  async #load(): Promise<void> {
    this.#attemptedAt = this.#options.now()
    const url = await this.#options.jwksUri()
    const document = await fetchJson(url, { timeoutMs: this.#options.timeoutMs })
    let keys: LocalJWKSet
    try {
      keys = createLocalJWKSet(document as unknown as JSONWebKeySet)
    } catch (cause) {
      throw new FetchFailed(`${url} is not a JSON Web Key Set`, { cause })
    }
    this.#keys = keys
    this.#fetchedAt = this.#options.now()
  }
}
