/**
 * The identity services over one store, built the same way for the running module and for
 * the CLI (`rampart user ...`, `rampart client ...`), which works on the database directly.
 */
import type { Redis } from 'ioredis'
import type { Kysely } from 'kysely'

import type { AuditEvents } from '../audit/module.js'
import type { Config } from '../config/schema.js'
import type { Clock } from '../platform/clock.js'
import { RampartError } from '../platform/errors.js'
import type { Logger } from '../platform/logger.js'
import type { Database } from '../store/schema.js'
import { Accounts } from './accounts/accounts.js'
import { PasswordLogin } from './accounts/login.js'
import { PasswordPolicy } from './accounts/password-policy.js'
import { PasswordHasher } from './accounts/passwords.js'
import { LoginThrottle } from './accounts/throttle.js'
import { IdentityAudit } from './audit-events.js'
import { ClientCache } from './clients/client-cache.js'
import type { ClientValidator } from './clients/clients.js'
import { Clients } from './clients/clients.js'
import { ResourceServers } from './clients/resource-servers.js'
import { MfaPending } from './mfa/mfa-pending.js'
import { Totp } from './mfa/totp.js'
import { WebAuthn } from './mfa/webauthn.js'
import { Sessions } from './sessions/sessions.js'
import type { IdentityDb } from './store/tables.js'
import { JwtAccessTokens } from './tokens/jwt-access-tokens.js'
import { identityDb } from './store/tables.js'

export interface IdentityServicesOptions {
  readonly config: Config
  readonly db: Kysely<Database>
  readonly clock: Clock
  readonly logger: Logger
  readonly masterKey: Buffer
  readonly events: AuditEvents
  readonly validator: ClientValidator
  /** The issuer URL once known (WebAuthn's relying party); `server.public_url` otherwise. */
  readonly issuer?: () => string
  /** Redis for login throttling counters, when configured. */
  readonly redis?: Redis | undefined
}

export interface IdentityServices {
  readonly db: IdentityDb
  readonly audit: IdentityAudit
  readonly accounts: Accounts
  readonly throttle: LoginThrottle
  readonly login: PasswordLogin
  readonly clients: Clients
  readonly clientCache: ClientCache
  readonly resourceServers: ResourceServers
  readonly jwtAccessTokens: JwtAccessTokens
  readonly sessions: Sessions
  readonly totp: Totp
  readonly pending: MfaPending
  readonly webauthn: WebAuthn
}

export function createIdentityServices(options: IdentityServicesOptions): IdentityServices {
  const settings = options.config.identity
  const { clock } = options
  const db = identityDb(options.db)
  const audit = new IdentityAudit(options.events, clock, options.logger)
  const hasher = new PasswordHasher({
    memoryKib: settings.password.argon2_memory_kib,
    iterations: settings.password.argon2_iterations,
    parallelism: settings.password.argon2_parallelism,
  })
  const policy = new PasswordPolicy({
    minLength: settings.password.min_length,
    maxLength: settings.password.max_length,
    minStrength: settings.password.min_strength,
    requiredClasses: settings.password.required_character_classes,
  })
  const accounts = new Accounts(db, clock, hasher, policy)
  const throttle = new LoginThrottle(
    db,
    clock,
    settings.lockout,
    options.redis === undefined
      ? undefined
      : { client: options.redis, keyPrefix: options.config.redis.key_prefix },
  )
  // Other replicas see a rotated secret or a deleted client within this time.
  const clientCache = new ClientCache(clock, 5_000)
  const jwtAccessTokens = new JwtAccessTokens(db, clock)
  return {
    db,
    audit,
    accounts,
    throttle,
    login: new PasswordLogin(accounts, audit, throttle),
    clients: new Clients(db, clock, options.validator, clientCache, jwtAccessTokens),
    clientCache,
    resourceServers: new ResourceServers(db, clock),
    jwtAccessTokens,
    sessions: new Sessions(
      db,
      clock,
      { idleMs: settings.session_idle_ttl, absoluteMs: settings.session_absolute_ttl },
      audit,
    ),
    totp: new Totp(db, clock, options.masterKey, audit),
    pending: new MfaPending(db, clock, accounts),
    webauthn: new WebAuthn(
      db,
      clock,
      audit,
      options.issuer ?? (() => options.config.server.public_url ?? 'http://localhost'),
    ),
  }
}

/** Validates client metadata with a provider's own rules, as `identity_client_invalid`. */
export function providerValidator(
  provider: () => { Client: { validate(metadata: object): Promise<void> } } | undefined,
): ClientValidator {
  return {
    validate: async (metadata) => {
      const current = provider()
      if (current === undefined) return
      try {
        await current.Client.validate(metadata)
      } catch (error) {
        const description = (error as { error_description?: string }).error_description
        throw new RampartError(
          'identity_client_invalid',
          description ?? 'invalid client metadata',
          {
            cause: error,
          },
        )
      }
    },
  }
}
