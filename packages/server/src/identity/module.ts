/**
 * The identity area: an OAuth 2.0 / OpenID Connect provider on `oidc-provider`, user
 * accounts with argon2id passwords, login throttling, sessions, TOTP, the sign-in pages and
 * the admin API. `createIdentityModule` is the one factory `app.ts` calls.
 */
import { hkdfSync } from 'node:crypto'

import type Provider from 'oidc-provider'

import type { RouteGuard } from '../access/index.js'
import type { AuditEvents } from '../audit/module.js'
import { SingletonLoop } from '../platform/jobs/singleton-loop.js'
import type { PlatformDeps, RampartModule } from '../platform/module.js'
import { readAdminToken } from './http/admin-token.js'
import { registerAdminRoutes } from './http/admin-routes.js'
import { registerInteractionRoutes } from './pages/interaction-routes.js'
import { registerPasskeyRoutes } from './mfa/passkey-routes.js'
import { registerTotpEnrolmentRoutes } from './mfa/totp-enrolment-routes.js'
import { registerSessionRoutes } from './sessions/session-routes.js'
import { registerRevocationFeedRoutes } from './tokens/revocation-feed-routes.js'
import { mountProvider } from './provider/mount.js'
import type { KeySchedule } from './provider/signing-keys.js'
import { loadSigningKeys } from './provider/signing-keys.js'
import type { IdentityServices } from './services.js'
import { deleteExpiredPayloads } from './store/artefacts.js'
import { createIdentityServices, providerValidator } from './services.js'

export interface IdentityModule extends RampartModule {
  readonly services: IdentityServices
  /** The provider serving requests now; undefined before start. */
  provider(): Provider | undefined
}

const keyCheckIntervalMs = 60_000
const cleanupLoopName = 'identity.cleanup'

/** Builds the identity module; `events` is the audit log every identity fact goes to. */
export function createIdentityModule(
  deps: PlatformDeps,
  { events, guard }: { events: AuditEvents; guard: RouteGuard },
): IdentityModule {
  const { config, store, clock, logger } = deps
  const settings = config.identity
  const adminToken = readAdminToken(settings)
  let provider: Provider | undefined
  let issuer: string | undefined
  let kids = ''
  let keyTimer: NodeJS.Timeout | undefined

  const services = createIdentityServices({
    config,
    db: store.db,
    clock,
    logger,
    masterKey: deps.masterKey.key,
    events,
    redis: deps.redis,
    validator: providerValidator(() => provider),
    issuer: () => issuer ?? config.server.public_url ?? 'http://localhost',
  })
  const csrfKey = Buffer.from(
    hkdfSync('sha256', deps.masterKey.key, Buffer.alloc(0), 'rampart identity csrf v1', 32),
  )
  const schedule: KeySchedule = {
    publishBeforeUseMs: 60 * 60_000,
    keepAfterRetireMs: Math.max(settings.access_token_ttl, settings.id_token_ttl) + 5 * 60_000,
  }

  /** (Re)builds the provider when the set of signing keys changed (rotation, promotion). */
  const refreshProvider = async (url: string): Promise<void> => {
    const keys = await loadSigningKeys(services.db, deps.masterKey.key, clock, schedule)
    const signature = keys.map((key) => key.kid).join(',')
    if (provider !== undefined && signature === kids) return
    // Loaded here, at start, so that CLI commands, which build the module but never start
    // it, do not load oidc-provider (nor print its runtime notice).
    const [{ createProvider }, { auditProviderEvents }] = await Promise.all([
      import('./provider/provider.js'),
      import('./provider/events.js'),
    ])
    const next = createProvider({
      issuer: url,
      db: services.db,
      clock,
      config: settings,
      masterKey: deps.masterKey.key,
      signingKeys: keys,
      accounts: services.accounts,
      resourceServers: services.resourceServers,
      clientCache: services.clientCache,
      jwtAccessTokens: services.jwtAccessTokens,
      trustProxy: config.server.trust_proxy,
    })
    auditProviderEvents(next, services.audit, logger)
    provider = next
    kids = signature
    logger.info({ issuer: url, kids: keys.map((key) => key.kid) }, 'identity provider ready')
  }

  const cleanup = new SingletonLoop({
    name: cleanupLoopName,
    holder: deps.instanceId,
    leases: deps.leases,
    // The lease is renewed on each tick, so the tick must come well within its lifetime.
    intervalMs: Math.floor(config.jobs.lease_ttl_ms / 2),
    leaseTtlMs: config.jobs.lease_ttl_ms,
    logger,
    tick: async () => {
      const removed =
        (await deleteExpiredPayloads(services.db, clock, 60_000)) +
        (await services.jwtAccessTokens.deleteExpired(60_000))
      if (removed > 0) logger.debug({ removed }, 'expired identity artefacts removed')
    },
  })

  return {
    name: 'identity',
    services,
    provider: () => provider,
    registerRoutes: async (server) => {
      await mountProvider(server, () => provider)
      await registerInteractionRoutes(server, {
        provider: () => {
          if (provider === undefined) throw new Error('the identity provider has not started')
          return provider
        },
        login: services.login,
        totp: services.totp,
        pending: services.pending,
        webauthn: services.webauthn,
        sessions: services.sessions,
        audit: services.audit,
        csrfKey,
        mfaRequired: settings.mfa_required,
      })
      await registerSessionRoutes(server, {
        sessions: services.sessions,
        accounts: services.accounts,
        audit: services.audit,
        csrfKey,
      })
      registerPasskeyRoutes(server, {
        sessions: services.sessions,
        accounts: services.accounts,
        webauthn: services.webauthn,
        csrfKey,
      })
      await registerTotpEnrolmentRoutes(server, {
        sessions: services.sessions,
        accounts: services.accounts,
        totp: services.totp,
        csrfKey,
        issuer: () => issuer ?? config.server.public_url ?? 'http://localhost',
      })
      registerRevocationFeedRoutes(server, services)
      await registerAdminRoutes(server, {
        ...services,
        adminToken,
        guard,
        issuer: () => issuer ?? 'http://localhost',
      })
    },
    start: async ({ url }) => {
      issuer = (config.server.public_url ?? url).replace(/\/+$/, '')
      await refreshProvider(issuer)
      const current = issuer
      keyTimer = setInterval(() => {
        refreshProvider(current).catch((error: unknown) => {
          logger.error({ err: error }, 'identity signing keys not refreshed')
        })
      }, keyCheckIntervalMs)
      keyTimer.unref()
      cleanup.start()
      const admins = await services.db
        .selectFrom('identity_users')
        .select('id')
        .where('is_admin', '=', 1)
        .limit(1)
        .execute()
      if (admins.length === 0) {
        logger.warn(
          'no identity admin exists; create one with: ' +
            'rampart user create --email you@example.com --admin (password read from stdin)',
        )
      }
    },
    stop: async () => {
      if (keyTimer !== undefined) clearInterval(keyTimer)
      await cleanup.stop()
    },
  }
}
