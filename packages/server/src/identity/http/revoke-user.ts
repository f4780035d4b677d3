/**
 * Ends everything a user holds: first-party sessions and every provider artefact (provider
 * sessions, grants, codes, refresh and opaque access tokens) whose payload names the account,
 * and the account's JWT access tokens, which then appear in the revocation feed.
 */
import type { Sessions } from '../sessions/sessions.js'
import type { IdentityDb } from '../store/tables.js'
import type { JwtAccessTokens } from '../tokens/jwt-access-tokens.js'

export async function revokeUserTokens(
  deps: {
    readonly db: IdentityDb
    readonly sessions: Sessions
    readonly jwtAccessTokens: JwtAccessTokens
  },
  userId: string,
): Promise<{ sessions: number; artefacts: number }> {
  const sessions = await deps.sessions.revokeAll(userId)
  const jwts = await deps.jwtAccessTokens.revokeAccount(userId)
  const result = await deps.db
    .deleteFrom('identity_oidc_payloads')
    .where('payload', 'like', `%"accountId":${JSON.stringify(userId)}%`)
    .executeTakeFirst()
  return { sessions, artefacts: Number(result.numDeletedRows) + jwts }
}
