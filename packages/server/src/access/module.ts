/**
 * The access area: the policy model and its audited changes, the decision API, snapshots for
 * local evaluation and the cache that keeps replicas current. `createAccessModule` is the one
 * factory `app.ts` calls.
 */
import { sql } from 'kysely'

import type { AuditEvents } from '../audit/module.js'
import type { PlatformDeps, RampartModule } from '../platform/module.js'
import { registerAdminRoutes } from './http/admin-routes.js'
import { registerDecisionRoutes } from './http/decision-routes.js'
import { registerPolicyRoutes } from './http/policy-routes.js'
import { registerSnapshotRoutes } from './http/snapshot-routes.js'
import { reservedRoles } from './built-in-roles.js'
import { DenialLog } from './denial-log.js'
import { AccessTokenVerifier } from './guard/access-token-verifier.js'
import { createBuiltInAuthoriser } from './guard/built-in-authoriser.js'
import type { RouteGuard } from './guard/route-guard.js'
import { PolicyCache } from './policy-cache.js'
import { PolicyListener } from './policy-listener.js'
import type { AccessService } from './service.js'
import { createAccessService } from './service.js'
import type { PolicyChanges } from './store/policy-changes.js'
import { accessDb } from './store/tables.js'
import { readAccessTokens } from './tokens.js'

export interface AccessModule extends RampartModule {
  readonly access: AccessService
  /** The audited way to change the policy, for the CLI and tests. */
  readonly changes: PolicyChanges
}

/**
 * Builds the access module. `guard` is the gate other modules put in front of their admin
 * routes; this module supplies its decisions and, once started, its token verification.
 */
export function createAccessModule(
  deps: PlatformDeps,
  events: AuditEvents,
  guard: RouteGuard,
): AccessModule {
  const { config, store, clock, logger } = deps
  const settings = config.access
  const tokens = readAccessTokens(settings)
  const db = accessDb(store.db)
  const now = () => clock.now()

  const cache = new PolicyCache({
    db,
    dialect: store.dialect,
    logger,
    now,
    consistencyWaitMs: settings.consistency_wait_ms,
  })
  const changes: PolicyChanges = {
    db,
    dialect: store.dialect,
    clock,
    events,
    onCommitted: (version) => cache.noteVersion(version),
  }
  const listener = new PolicyListener({
    cache,
    logger,
    postgresUrl: store.dialect === 'postgres' ? config.database.url : undefined,
    schema: async () => {
      const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(db)
      return result.rows[0]?.schema ?? 'public'
    },
    pollIntervalMs: settings.poll_interval_ms,
  })
  const denials = new DenialLog({
    events,
    logger,
    now,
    perSecond: settings.denied_events_per_second,
  })
  const access = createAccessService(cache, denials)
  guard.connect(createBuiltInAuthoriser(cache, denials))

  return {
    name: 'access',
    access,
    changes,
    registerRoutes: async (server) => {
      registerAdminRoutes(server, { changes, tokens, guard })
      await registerPolicyRoutes(server, { changes, tokens, guard, reserved: reservedRoles })
      registerDecisionRoutes(server, { access, tokens, guard })
      registerSnapshotRoutes(server, {
        cache,
        tokens,
        maxWaitMs: settings.snapshot_wait_max_ms,
      })
    },
    start: async ({ url }) => {
      // The issuer as identity derives it; its JWKS is served by this same server.
      const issuer = (config.server.public_url ?? url).replace(/\/+$/, '')
      const audience = settings.api_audience ?? `${issuer}/v1`
      const jwksUrl = new URL('/oidc/jwks', url)
      guard.useVerifier(new AccessTokenVerifier({ jwksUrl, issuer, audience }))
      await listener.start()
    },
    stop: async () => {
      await denials.stop()
      await listener.stop()
    },
  }
}
