/**
 * Helpers over `identity_oidc_payloads`, where the provider's artefacts (and pending TOTP and
 * passkey enrolments) live keyed by the SHA-256 of their id. Apart from the adapter so that
 * code which only stores or cleans up does not load `oidc-provider` (the CLI, for one).
 */
import { createHash } from 'node:crypto'

import type { Clock } from '../../platform/clock.js'
import type { IdentityDb } from './tables.js'

/** The key an artefact is stored under: a code or token read out of the table is no use. */
export function hashId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('base64url')
}

/** Removes artefacts that expired more than `graceMs` ago; resolves to how many. */
export async function deleteExpiredPayloads(
  db: IdentityDb,
  clock: Clock,
  graceMs: number,
): Promise<number> {
  const result = await db
    .deleteFrom('identity_oidc_payloads')
    .where('expires_at', '<', clock.now() - graceMs)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
