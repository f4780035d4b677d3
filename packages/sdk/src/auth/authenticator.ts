import { errors } from 'jose'
import type { Logger } from '../observe/logger.js'
import type { ThrottledLog } from '../observe/throttled-log.js'
import { RequestRefusal } from '../errors.js'
import type { RampartAuth } from './types.js'
import {
  bearerChallenge,
  bearerToken,
  checkTokenCharacters,
  maxAuthorizationLength,
} from './bearer.js'
import type { Discovery } from './discovery.js'
import { FetchFailed } from './fetch-json.js'
import { introspect, requestIntrospection, TokenInactive } from './introspection.js'
import type { IntrospectionOptions } from './introspection.js'
import { JwtVerifier } from './jwt-verifier.js'
import { RemoteKeySet } from './key-set.js'
import { RevocationCheck } from './revocation-check.js'
import { TokenCache } from './token-cache.js'

export interface AuthenticatorOptions {
  readonly issuer: string
  readonly audience: string | readonly string[]
  /** The realm named in `WWW-Authenticate` challenges; the service name. */
  readonly realm: string
  readonly algorithms: readonly string[]
  readonly clockToleranceSeconds: number
  readonly tokenType: string | null
  /** The JWKS URL; found through OpenID discovery when absent. */
  readonly jwksUri: string | undefined
  readonly jwksCooldownMs: number
  readonly jwksMaxAgeMs: number
  readonly introspection:
    { clientId: string; clientSecret: string; endpoint?: string; cacheTtlMs: number } | undefined
  readonly revocation:
    | {
        readonly clientId: string
        readonly clientSecret: string
        readonly endpoint: string | undefined
        readonly checkIntervalMs: number
        readonly maxAnswerAgeMs: number
      }
    | undefined
  readonly cacheMaxEntries: number
  /** The longest a verified JWT stays cached, however far away its expiry. */
  readonly cacheMaxTtlMs: number
  readonly timeoutMs: number
  readonly now: () => number
  readonly logger: Logger
  /** For failures that recur under load, such as introspection being down. */
  readonly throttledLog: ThrottledLog
  readonly discovery: Discovery
}

const jwtShape = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/
const genericInvalid = 'the access token is not valid'

/**
 * Turns an `Authorization` header into a verified `RampartAuth`, or a refusal carrying the
 * RFC 6750 challenge. JWTs are verified locally; opaque tokens are introspected when the
 * service has client credentials. Both are cached by token hash until they expire (a
 * verified JWT at most `cacheMaxTtlMs`, an introspected token at most its `cacheTtlMs`, which
 * bounds how long a revoked opaque token keeps working). With `revocation`, a cached or
 * freshly verified JWT is also asked about by introspection once per interval, so a revoked
 * one is refused within it.
 *
 * TODO(#6): accept Rampart's first-party session cookie; it waits for the identity
 * provider to publish how a service verifies one.
 */
export class Authenticator {
  readonly #options: AuthenticatorOptions
  readonly #cache: TokenCache
  readonly #verifier: JwtVerifier
  readonly #introspection: IntrospectionOptions | undefined
  readonly #introspectionTtlMs: number
  readonly #revocation: RevocationCheck | undefined

  constructor(options: AuthenticatorOptions) {
    this.#options = options
    this.#cache = new TokenCache(options.cacheMaxEntries, options.now)
    const discovery = options.discovery
    const fixedJwksUri = options.jwksUri
    const keys = new RemoteKeySet({
      jwksUri: async () => fixedJwksUri ?? (await discovery.metadata()).jwksUri,
      timeoutMs: options.timeoutMs,
      cooldownMs: options.jwksCooldownMs,
      maxAgeMs: options.jwksMaxAgeMs,
      now: options.now,
      onRefreshFailed: (error) => options.logger.warn({ err: error }, 'JWKS refresh failed'),
    })
    this.#verifier = new JwtVerifier(options, keys)

    const introspection = options.introspection
    this.#introspectionTtlMs = introspection?.cacheTtlMs ?? 0
    this.#introspection =
      introspection === undefined
        ? undefined
        : {
            clientId: introspection.clientId,
            clientSecret: introspection.clientSecret,
            endpoint: async () => {
              const endpoint =
                introspection.endpoint ?? (await discovery.metadata()).introspectionEndpoint
              if (endpoint === undefined) throw new FetchFailed('no introspection endpoint')
              return endpoint
            },
            issuer: options.issuer,
            audience: options.audience,
            timeoutMs: options.timeoutMs,
            now: options.now,
          }
    this.#revocation = this.#revocationCheck()
  }

  #revocationCheck(): RevocationCheck | undefined {
    const { revocation, discovery, timeoutMs, now, throttledLog } = this.#options
    if (revocation === undefined) return undefined
    const client = {
      clientId: revocation.clientId,
      clientSecret: revocation.clientSecret,
      timeoutMs,
      endpoint: async () => {
        const endpoint = revocation.endpoint ?? (await discovery.metadata()).introspectionEndpoint
        if (endpoint === undefined) throw new FetchFailed('no introspection endpoint')
        return endpoint
      },
    }
    return new RevocationCheck({
      intervalMs: revocation.checkIntervalMs,
      maxAnswerAgeMs: revocation.maxAnswerAgeMs,
      retryAfterMs: Math.min(1_000, revocation.checkIntervalMs),
      maxEntries: this.#options.cacheMaxEntries,
      introspect: (token) => requestIntrospection(token, client),
      now,
      onError: (error) => throttledLog.log('warn', { err: error }, 'token status check failed'),
    })
  }

  /**
   * The identity of a token verified before and still cached, found without a promise, or
   * undefined (then call `authenticate`). The adapters try this first: it is the path almost
   * every request takes.
   */
  cached(header: string | undefined): RampartAuth | undefined {
    if (header === undefined || header.length > maxAuthorizationLength) return undefined
    if (header.length < 8 || header.charCodeAt(6) !== 32) return undefined
    if (header.slice(0, 6).toLowerCase() !== 'bearer') return undefined
    const key = TokenCache.keyOf(header.slice(7).trim())
    const auth = this.#cache.get(key)
    // A JWT whose status is due for a question takes the asynchronous path.
    if (auth?.tokenKind === 'jwt' && this.#revocation?.isCurrent(key) === false) return undefined
    return auth
  }

  /**
   * The caller's identity, or undefined when the request carries no bearer token and
   * `optional` is true. Throws a `RequestRefusal` otherwise.
   */
  async authenticate(
    header: string | undefined,
    optional = false,
  ): Promise<RampartAuth | undefined> {
    const realm = this.#options.realm
    const token = bearerToken(header, realm)
    if (token === undefined) {
      if (optional) return undefined
      throw new RequestRefusal('unauthorized', 'a bearer access token is required', {
        headers: { 'www-authenticate': bearerChallenge(realm) },
      })
    }

    const key = TokenCache.keyOf(token)
    try {
      const auth = this.#cache.get(key) ?? (await this.#verify(token, key))
      if (auth.tokenKind === 'jwt' && this.#revocation !== undefined) {
        await this.#revocation.check(key, token, auth.expiresAt.getTime())
      }
      return auth
    } catch (error) {
      throw this.#refusal(error)
    }
  }

  async #verify(token: string, key: string): Promise<RampartAuth> {
    checkTokenCharacters(token, this.#options.realm)
    const now = this.#options.now()
    if (jwtShape.test(token)) {
      const auth = await this.#verifier.verify(token)
      const until = Math.min(auth.expiresAt.getTime(), now + this.#options.cacheMaxTtlMs)
      this.#cache.set(key, auth, until)
      return auth
    }
    if (this.#introspection === undefined) {
      throw new TokenInactive('an opaque token, and no introspection client is configured')
    }
    const auth = await introspect(token, this.#introspection)
    const until = Math.min(auth.expiresAt.getTime(), now + this.#introspectionTtlMs)
    this.#cache.set(key, auth, until)
    return auth
  }

  #refusal(error: unknown): unknown {
    const logger = this.#options.logger
    if (error instanceof FetchFailed) {
      logger.warn({ err: error }, 'authentication could not be completed')
      return new RequestRefusal('authentication_unavailable', 'the token cannot be verified now', {
        cause: error,
        headers: { 'retry-after': '1' },
      })
    }
    if (error instanceof errors.JOSEError || error instanceof TokenInactive) {
      const reason = error instanceof errors.JOSEError ? error.code : 'ERR_TOKEN_INACTIVE'
      logger.info({ reason, detail: error.message }, 'access token refused')
      return new RequestRefusal('invalid_token', genericInvalid, {
        cause: error,
        headers: {
          'www-authenticate': bearerChallenge(this.#options.realm, 'invalid_token', genericInvalid),
        },
      })
    }
    return error
  }
}
