import type { DestinationStream, LevelWithSilent } from 'pino'
import type { Logger } from './observe/logger.js'
import { ConfigurationError } from './errors.js'

/** Options of `createRampart`; only `url`, `service` and `audience` are required. */
export interface RampartOptions {
  /** Rampart's base URL, for example `http://127.0.0.1:8080`. */
  readonly url: string
  /** This service's name: the `service` of its log lines and spans, the realm of challenges. */
  readonly service: string
  /** The audience (`aud`) this service's access tokens are issued for. */
  readonly audience: string | readonly string[]
  /** The token issuer; Rampart's base URL when absent. */
  readonly issuer?: string
  /** The JWKS URL; found through the issuer's OpenID discovery document when absent. */
  readonly jwksUri?: string
  /** Accepted signature algorithms; asymmetric only (default ES256, EdDSA, RS256, PS256). */
  readonly algorithms?: readonly string[]
  /** Clock skew tolerated on `exp` and `nbf`, in seconds (default 5). */
  readonly clockToleranceSeconds?: number
  /** The `typ` header access tokens must carry (default `at+jwt`, RFC 9068); null: any. */
  readonly tokenType?: string | null
  /** Client credentials for introspecting opaque tokens (RFC 7662); off when absent. */
  readonly introspection?: {
    readonly clientId: string
    readonly clientSecret: string
    /** The endpoint; found through discovery when absent. */
    readonly endpoint?: string
    /** The longest an introspection answer is reused (default 30,000 ms). */
    readonly cacheTtlMs?: number
  }
  /**
   * Refuse a JWT whose grant was revoked (logout, a reused refresh token, an admin action)
   * before it expires: its status is asked by introspection at Rampart (RFC 7662), as the
   * `credentials` client (or the `introspection` client), at most once per
   * `checkIntervalMs` per token. Off when absent; it costs one call per token per interval.
   */
  readonly revocation?: {
    /** A revoked token is refused within this (default 30,000 ms). */
    readonly checkIntervalMs?: number
    /**
     * While introspection fails, the last answer is trusted until it is this old (default
     * 300,000 ms); then, or with no answer yet, requests get 503 (fail closed).
     */
    readonly maxAnswerAgeMs?: number
  }
  readonly tokenCache?: {
    /** Most verified tokens kept (default 10,000). */
    readonly maxEntries?: number
    /** The longest a verified JWT stays cached (default 300,000 ms). */
    readonly maxTtlMs?: number
  }
  readonly jwks?: {
    /** Least time between refreshes caused by an unknown `kid` (default 30,000 ms). */
    readonly cooldownMs?: number
    /** Age after which the key set is refreshed in the background (default 600,000 ms). */
    readonly maxAgeMs?: number
  }
  /** Timeout of each call to Rampart (default 3,000 ms). */
  readonly timeoutMs?: number
  /**
   * This service's OAuth client: the SDK gets its own token with the client credentials
   * grant and presents it to Rampart's API (the remote access check), unless `serviceToken`
   * is given; it also asks introspection and revocation status.
   */
  readonly credentials?: {
    readonly clientId: string
    readonly clientSecret: string
    readonly scope?: string
    /** RFC 8707 resource indicator for Rampart's API, when Rampart asks for one. */
    readonly resource?: string
    /** The token endpoint; found through discovery when absent. */
    readonly tokenEndpoint?: string
  }
  /**
   * The token to present to Rampart's access API (the snapshot and the check). When given,
   * it is used instead of a token from `credentials`, which then serve only introspection
   * and revocation checks.
   */
  readonly serviceToken?: () => Promise<string | undefined>
  /**
   * How `authorize()` decides. By default locally, from Rampart's policy snapshot kept
   * current by long polls of `GET /v1/access/snapshot` (with the service token, which must be
   * Rampart's `access.check_token`); through `POST /v1/access/check` while the snapshot is
   * missing or stale; and never allowing when neither answers.
   */
  readonly access?: {
    /** false: every decision goes to Rampart's check API (default true). */
    readonly localSnapshot?: boolean
    /** How long each long poll asks Rampart to wait for a change (default 20,000 ms). */
    readonly snapshotWaitMs?: number
    /**
     * The longest since Rampart last confirmed the snapshot before decisions go remote
     * (default 60,000 ms); more than `snapshotWaitMs` plus `timeoutMs`.
     */
    readonly maxStalenessMs?: number
    /** The longest wait between retries while the snapshot fails (default 30,000 ms). */
    readonly maxBackoffMs?: number
  }
  /**
   * The least time between two log lines about the same degraded state, such as a stale
   * snapshot or an unreachable Rampart (default 60,000 ms).
   */
  readonly degradedLogIntervalMs?: number
  /** Audit events to Rampart's log through `rampart.audit()`; off when absent. */
  readonly audit?: {
    /** The bearer token of Rampart's audit ingestion (`audit.ingest_token`). */
    readonly token: string | (() => Promise<string | undefined>)
    /** Where undelivered events wait (default `./rampart-audit-spill.jsonl`). */
    readonly spillFile?: string
    /** Events per request (default 100; Rampart takes at most 1,000). */
    readonly batchSize?: number
    /** Time between flushes while Rampart answers (default 1,000 ms). */
    readonly flushIntervalMs?: number
    /** Events held in memory before new ones go to the spill file (default 10,000). */
    readonly maxBuffered?: number
    /** The longest wait between retries while Rampart is unreachable (default 30,000 ms). */
    readonly maxBackoffMs?: number
  }
  /** A logger to use, or settings for the SDK's own. */
  readonly logger?: Logger | { level?: LevelWithSilent; destination?: DestinationStream }
  /** One `request completed` log line per request (default true). */
  readonly logRequests?: boolean
  /** prom-client's process and runtime metrics (default true). */
  readonly defaultMetrics?: boolean
  /** Environment read for the standard OTEL_* variables (default `process.env`). */
  readonly env?: NodeJS.ProcessEnv
  /** Milliseconds since the epoch; tests freeze it. */
  readonly now?: () => number
}

/** Asymmetric JWS algorithms; HMAC and `none` are never accepted with a public key set. */
const asymmetricAlgorithms = new Set([
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
])

const servicePattern = /^[A-Za-z0-9._-]{1,64}$/

function checkUrl(name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch (cause) {
    throw new ConfigurationError(`${name} must be an absolute URL, got ${value}`, { cause })
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigurationError(`${name} must be an http or https URL, got ${value}`)
  }
  return value
}

function checkPositive(name: string, value: number | undefined, fallback: number): number {
  const result = value ?? fallback
  if (!Number.isFinite(result) || result < 0) {
    throw new ConfigurationError(`${name} must be a non-negative number, got ${result}`)
  }
  return result
}

function resolveAudit(audit: RampartOptions['audit']) {
  if (audit === undefined) return undefined
  const token = audit.token
  if (typeof token === 'string' && token.length < 16) {
    throw new ConfigurationError('audit.token must be the ingest token (16 characters or more)')
  }
  const batchSize = checkPositive('audit.batchSize', audit.batchSize, 100)
  if (batchSize < 1 || batchSize > 1_000) {
    throw new ConfigurationError('audit.batchSize must be from 1 to 1000')
  }
  return {
    token: typeof token === 'string' ? () => Promise.resolve(token) : token,
    spillFile: audit.spillFile ?? 'rampart-audit-spill.jsonl',
    batchSize,
    flushIntervalMs: checkPositive('audit.flushIntervalMs', audit.flushIntervalMs, 1_000),
    maxBuffered: checkPositive('audit.maxBuffered', audit.maxBuffered, 10_000),
    maxBackoffMs: checkPositive('audit.maxBackoffMs', audit.maxBackoffMs, 30_000),
  }
}

function resolveAccess(access: RampartOptions['access'], timeoutMs: number) {
  const snapshotWaitMs = checkPositive('access.snapshotWaitMs', access?.snapshotWaitMs, 20_000)
  const maxStalenessMs = checkPositive('access.maxStalenessMs', access?.maxStalenessMs, 60_000)
  // A long poll confirms the snapshot only when it returns, up to waitMs + timeoutMs later.
  if (maxStalenessMs <= snapshotWaitMs + timeoutMs) {
    throw new ConfigurationError(
      `access.maxStalenessMs (${maxStalenessMs}) must exceed access.snapshotWaitMs plus ` +
        `timeoutMs (${snapshotWaitMs + timeoutMs}), or every long poll would go stale`,
    )
  }
  return {
    localSnapshot: access?.localSnapshot ?? true,
    snapshotWaitMs,
    maxStalenessMs,
    maxBackoffMs: checkPositive('access.maxBackoffMs', access?.maxBackoffMs, 30_000),
  }
}

/** Checks the options once, at start-up, and fills in the defaults. */
export function resolveOptions(options: RampartOptions) {
  const url = checkUrl('url', options.url).replace(/\/+$/, '')
  if (!servicePattern.test(options.service)) {
    throw new ConfigurationError('service must be 1-64 letters, digits, dots, dashes or _')
  }
  const audience = options.audience
  const audiences = typeof audience === 'string' ? [audience] : audience
  if (audiences.length === 0 || audiences.some((entry) => entry.trim() === '')) {
    throw new ConfigurationError('audience must name at least one non-empty audience')
  }
  const algorithms = options.algorithms ?? ['ES256', 'EdDSA', 'RS256', 'PS256']
  const refused = algorithms.filter((algorithm) => !asymmetricAlgorithms.has(algorithm))
  if (algorithms.length === 0 || refused.length > 0) {
    const named = refused.join(', ') || 'none given'
    throw new ConfigurationError(`algorithms must be asymmetric JWS algorithms; refused: ${named}`)
  }
  const introspection = options.introspection
  if (
    introspection !== undefined &&
    (introspection.clientId === '' || introspection.clientSecret === '')
  ) {
    throw new ConfigurationError('introspection needs a clientId and a clientSecret')
  }

  const timeoutMs = checkPositive('timeoutMs', options.timeoutMs, 3_000)
  const revocation = options.revocation
  const revocationClient = options.credentials ?? introspection
  if (revocation !== undefined && revocationClient === undefined) {
    throw new ConfigurationError('revocation needs credentials (or introspection) to ask with')
  }

  return {
    url,
    service: options.service,
    audience,
    issuer: options.issuer === undefined ? url : checkUrl('issuer', options.issuer),
    jwksUri: options.jwksUri === undefined ? undefined : checkUrl('jwksUri', options.jwksUri),
    algorithms,
    clockToleranceSeconds: checkPositive('clockToleranceSeconds', options.clockToleranceSeconds, 5),
    tokenType: options.tokenType === undefined ? 'at+jwt' : options.tokenType,
    introspection:
      introspection === undefined
        ? undefined
        : {
            clientId: introspection.clientId,
            clientSecret: introspection.clientSecret,
            ...(introspection.endpoint === undefined
              ? {}
              : { endpoint: checkUrl('introspection.endpoint', introspection.endpoint) }),
            cacheTtlMs: checkPositive('introspection.cacheTtlMs', introspection.cacheTtlMs, 30_000),
          },
    revocation:
      revocation === undefined || revocationClient === undefined
        ? undefined
        : {
            clientId: revocationClient.clientId,
            clientSecret: revocationClient.clientSecret,
            endpoint: introspection?.endpoint,
            checkIntervalMs: checkPositive(
              'revocation.checkIntervalMs',
              revocation.checkIntervalMs,
              30_000,
            ),
            maxAnswerAgeMs: checkPositive(
              'revocation.maxAnswerAgeMs',
              revocation.maxAnswerAgeMs,
              300_000,
            ),
          },
    cacheMaxEntries: checkPositive('tokenCache.maxEntries', options.tokenCache?.maxEntries, 10_000),
    cacheMaxTtlMs: checkPositive('tokenCache.maxTtlMs', options.tokenCache?.maxTtlMs, 300_000),
    jwksCooldownMs: checkPositive('jwks.cooldownMs', options.jwks?.cooldownMs, 30_000),
    jwksMaxAgeMs: checkPositive('jwks.maxAgeMs', options.jwks?.maxAgeMs, 600_000),
    timeoutMs,
    access: resolveAccess(options.access, timeoutMs),
    degradedLogIntervalMs: checkPositive(
      'degradedLogIntervalMs',
      options.degradedLogIntervalMs,
      60_000,
    ),
    audit: resolveAudit(options.audit),
    now: options.now ?? Date.now,
  }
}

export type ResolvedOptions = ReturnType<typeof resolveOptions>
