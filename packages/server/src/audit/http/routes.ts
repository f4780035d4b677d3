/**
 * The audit API under `/v1/audit`. Keys, checkpoints and proofs carry no secrets and are
 * public; reading, exporting and ingesting events need a bearer token (see `tokens.ts`).
 */
import type { FastifyInstance } from 'fastify'
import type { Kysely } from 'kysely'

import type { RouteGuard } from '../../access/index.js'
import type { Clock } from '../../platform/clock.js'
import type { Database } from '../../store/schema.js'
import type { EventLog } from '../log/event-log.js'
import { registerEventRoutes } from './event-routes.js'
import { registerProofRoutes } from './proof-routes.js'
import type { AuditTokens } from './tokens.js'

export interface AuditRouteDeps {
  readonly db: Kysely<Database>
  readonly log: EventLog
  readonly clock: Clock
  readonly tokens: AuditTokens
  /** The access model's gate; without it the read token alone opens the read routes. */
  readonly guard?: RouteGuard
  /** How long an ingestion idempotency key is remembered. */
  readonly ingestKeyTtlMs: number
}

export function registerAuditRoutes(server: FastifyInstance, deps: AuditRouteDeps): void {
  registerProofRoutes(server, deps)
  registerEventRoutes(server, deps)
}
