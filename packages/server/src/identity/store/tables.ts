/**
 * The identity tables as Kysely sees them (migration `0003-identity`). They are added to the
 * platform's `Database` with `withTables`, so the shared schema file stays untouched.
 */
import type { Kysely } from 'kysely'

import type { Database } from '../../store/schema.js'

export type UserStatus = 'active' | 'disabled'

export interface IdentityUsersTable {
  id: string
  email: string
  email_key: string
  name: string | null
  password_hash: string | null
  status: UserStatus
  is_admin: number
  totp_secret_sealed: string | null
  totp_last_step: number | null
  created_at: number
  updated_at: number
}

export interface IdentityRecoveryCodesTable {
  user_id: string
  code_hash: string
  used_at: number | null
}

export interface IdentityClientsTable {
  client_id: string
  name: string
  metadata: string
  created_at: number
  updated_at: number
}

export interface IdentityResourceServersTable {
  audience: string
  name: string
  /** Space-separated scopes the resource server accepts. */
  scopes: string
  access_token_ttl_s: number | null
  created_at: number
}

export interface IdentityOidcPayloadsTable {
  model: string
  id_hash: string
  payload: string
  grant_id: string | null
  uid: string | null
  expires_at: number | null
  consumed_at: number | null
}

export type SigningKeyStatus = 'next' | 'active' | 'retired'

export interface IdentitySigningKeysTable {
  kid: string
  alg: string
  public_jwk: string
  sealed_private_key: string
  status: SigningKeyStatus
  created_at: number
  retired_at: number | null
}

export interface IdentitySessionsTable {
  id_hash: string
  user_id: string
  /** JSON array of how the user authenticated: `pwd`, `otp`... */
  auth_methods: string
  ip: string | null
  user_agent: string | null
  created_at: number
  last_seen_at: number
  expires_at: number
}

export interface IdentityThrottleTable {
  key: string
  points: number
  expires_at: number | null
}

export interface IdentityWebauthnCredentialsTable {
  /** base64url credential id. */
  id: string
  user_id: string
  /** base64url WebAuthn user handle (random, not the user id). */
  user_handle: string
  /** base64url COSE public key. */
  public_key: string
  counter: number
  /** JSON array of transports. */
  transports: string
  device_type: string
  backed_up: number
  created_at: number
  last_used_at: number | null
}

/** A JWT access token the provider issued (migration `0007`); never the token itself. */
export interface IdentityJwtAccessTokensTable {
  jti: string
  model: string
  client_id: string
  account_id: string | null
  grant_id: string | null
  payload: string
  expires_at: number
  revoked_at: number | null
}

export interface IdentityRevocationHeadTable {
  id: number
  seq: number
}

/** Why a JWT access token was revoked. */
export type RevocationReason = 'token' | 'grant' | 'account' | 'client'

export interface IdentityTokenRevocationsTable {
  seq: number
  jti: string
  client_id: string
  reason: RevocationReason
  revoked_at: number
  expires_at: number
}

export type IdentityTables = {
  identity_users: IdentityUsersTable
  identity_recovery_codes: IdentityRecoveryCodesTable
  identity_clients: IdentityClientsTable
  identity_resource_servers: IdentityResourceServersTable
  identity_oidc_payloads: IdentityOidcPayloadsTable
  identity_signing_keys: IdentitySigningKeysTable
  identity_sessions: IdentitySessionsTable
  identity_throttle: IdentityThrottleTable
  identity_webauthn_credentials: IdentityWebauthnCredentialsTable
  identity_jwt_access_tokens: IdentityJwtAccessTokensTable
  identity_revocation_head: IdentityRevocationHeadTable
  identity_token_revocations: IdentityTokenRevocationsTable
}

export type IdentityDb = Kysely<Database & IdentityTables>

/** The platform database seen with the identity tables. */
export function identityDb(db: Kysely<Database>): IdentityDb {
  return db.withTables<IdentityTables>()
}
