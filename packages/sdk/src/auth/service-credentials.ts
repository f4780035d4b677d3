import type { Discovery } from './discovery.js'
import { fetchJson, FetchFailed } from './fetch-json.js'
import { basicAuthorization } from './introspection.js'

export interface ServiceCredentialsOptions {
  readonly clientId: string
  readonly clientSecret: string
  /** Space-separated scopes to ask for, when Rampart needs them. */
  readonly scope: string | undefined
  /** The resource indicator (RFC 8707) of the API the token is for, when needed. */
  readonly resource: string | undefined
  /** The token endpoint; found through discovery when absent. */
  readonly tokenEndpoint: string | undefined
  readonly discovery: Discovery
  readonly timeoutMs: number
  readonly now: () => number
}

/** Renew a token this long before it expires, so no call carries one about to lapse. */
const renewEarlyMs = 30_000

/**
 * This service's own access token for calls to Rampart, from the client credentials grant
 * (RFC 6749 section 4.4). Kept until shortly before it expires; concurrent callers share one
 * request. A failure rejects, and the caller (the access check) fails closed.
 */
export class ServiceCredentials {
  readonly #options: ServiceCredentialsOptions
  #token: { value: string; renewAtMs: number } | undefined
  #pending: Promise<string> | undefined

  constructor(options: ServiceCredentialsOptions) {
    this.#options = options
  }

  async token(): Promise<string> {
    const current = this.#token
    if (current !== undefined && this.#options.now() < current.renewAtMs) return current.value
    this.#pending ??= this.#request().finally(() => (this.#pending = undefined))
    return this.#pending
  }

  async #request(): Promise<string> {
    const options = this.#options
    const endpoint = options.tokenEndpoint ?? (await options.discovery.metadata()).tokenEndpoint
    if (endpoint === undefined) throw new FetchFailed('Rampart names no token endpoint')

    const form = new URLSearchParams({ grant_type: 'client_credentials' })
    if (options.scope !== undefined) form.set('scope', options.scope)
    if (options.resource !== undefined) form.set('resource', options.resource)
    const answer = await fetchJson(endpoint, {
      method: 'POST',
      timeoutMs: options.timeoutMs,
      headers: {
        authorization: basicAuthorization(options.clientId, options.clientSecret),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
      },
      body: form.toString(),
    })

    const value = answer.access_token
    const lifetimeSeconds = typeof answer.expires_in === 'number' ? answer.expires_in : 60
    if (typeof value !== 'string' || value === '') {
      throw new FetchFailed(`${endpoint} answered without an access_token`)
    }
    const lifetimeMs = lifetimeSeconds * 1000
    const renewAtMs = options.now() + Math.max(lifetimeMs - renewEarlyMs, lifetimeMs / 2)
    this.#token = { value, renewAtMs }
    return value
  }
}
