import { fetchJson, FetchFailed } from './fetch-json.js'

/** The endpoints of Rampart's OpenID provider that the SDK uses. */
export interface ProviderMetadata {
  readonly issuer: string
  readonly jwksUri: string
  readonly introspectionEndpoint: string | undefined
  readonly tokenEndpoint: string | undefined
}

export interface DiscoveryOptions {
  readonly issuer: string
  readonly timeoutMs: number
  /** How long a failed discovery waits before the next attempt. */
  readonly retryAfterMs: number
  readonly now: () => number
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined
}

/**
 * Reads `<issuer>/.well-known/openid-configuration` once and keeps it. The document must name
 * the configured issuer exactly (OpenID Connect Discovery 1.0, section 4.3), so a
 * misconfigured URL cannot make the SDK trust another provider's keys.
 */
export class Discovery {
  readonly #options: DiscoveryOptions
  #metadata: ProviderMetadata | undefined
  #pending: Promise<ProviderMetadata> | undefined
  #failedAt = Number.NEGATIVE_INFINITY
  #lastError: unknown

  constructor(options: DiscoveryOptions) {
    this.#options = options
  }

  async metadata(): Promise<ProviderMetadata> {
    if (this.#metadata !== undefined) return this.#metadata
    if (this.#options.now() - this.#failedAt < this.#options.retryAfterMs) {
      throw new FetchFailed('OpenID provider discovery failed recently', {
        cause: this.#lastError,
      })
    }
    this.#pending ??= this.#load().finally(() => (this.#pending = undefined))
    return this.#pending
  }

  async #load(): Promise<ProviderMetadata> {
    const url = `${this.#options.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`
    try {
      const document = await fetchJson(url, { timeoutMs: this.#options.timeoutMs })
      if (document.issuer !== this.#options.issuer) {
        throw new FetchFailed(`${url} names issuer ${String(document.issuer)}`)
      }
      const jwksUri = optionalString(document.jwks_uri)
      if (jwksUri === undefined) throw new FetchFailed(`${url} names no jwks_uri`)
      this.#metadata = {
        issuer: this.#options.issuer,
        jwksUri,
        introspectionEndpoint: optionalString(document.introspection_endpoint),
        tokenEndpoint: optionalString(document.token_endpoint),
      }
      return this.#metadata
    } catch (error) {
      this.#failedAt = this.#options.now()
      this.#lastError = error
      throw error
    }
  }
}
