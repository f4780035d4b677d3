/**
 * Ends everything a user holds: first-party sessions and every provider artefact (provider
 * sessions, grants, codes, refresh and opaque access tokens) whose payload names the account.
 * JWT access tokens are not stored; they stay valid until they expire (10 minutes by default).
 */
import type { Sessions } from '../sessions/sessions.js'
import type { IdentityDb } from '../store/tables.js'

// TODO(#4): a denylist of JWT access-token ids until they expire, so revocation covers them.
export async function revokeUserTokens(
  deps: { readonly db: IdentityDb; readonly sessions: Sessions },
  userId: string,
): Promise<{ sessions: number; artefacts: number }> {
  const sessions = await deps.sessions.revokeAll(userId)
  const result = await deps.db
    .deleteFrom('identity_oidc_payloads')
    .where('payload', 'like', `%"accountId":${JSON.stringify(userId)}%`)
    .executeTakeFirst()
  return { sessions, artefacts: Number(result.numDeletedRows) }
}
