/**
 * The provider's ES256 signing keys in `identity_signing_keys`. The private JWK is sealed
 * under the master key; the `kid` is the key's RFC 7638 thumbprint.
 *
 * A key moves through three states: `next` (published in the JWKS, not yet signing, so
 * relying parties that cache the JWKS learn it before it is used), `active` (signing) and
 * `retired` (published only, until every token it signed has expired).
 */
import { createHash, generateKeyPairSync } from 'node:crypto'
import type { JsonWebKey } from 'node:crypto'

import type { Clock } from '../../platform/clock.js'
import type { IdentityDb, SigningKeyStatus } from '../store/tables.js'
import { seal, unseal } from '../secret-seal.js'

export const signingAlg = 'ES256'

/** A private signing JWK as the provider takes it. */
export interface PrivateSigningJwk extends JsonWebKey {
  readonly kid: string
  readonly alg: string
  readonly use: 'sig'
}

export interface StoredSigningKey {
  readonly kid: string
  readonly status: SigningKeyStatus
  readonly createdAt: number
  readonly retiredAt: number | null
  readonly publicJwk: JsonWebKey
}

/** RFC 7638 thumbprint of an EC public key: SHA-256 over its required members, in order. */
function thumbprint(jwk: JsonWebKey): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y })
  return createHash('sha256').update(canonical).digest('base64url')
}

function generateJwk(): { kid: string; privateJwk: JsonWebKey; publicJwk: JsonWebKey } {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const privateJwk = privateKey.export({ format: 'jwk' })
  const publicJwk = { kty: privateJwk.kty, crv: privateJwk.crv, x: privateJwk.x, y: privateJwk.y }
  return { kid: thumbprint(publicJwk), privateJwk, publicJwk }
}

/** Stores a new key in `status`; resolves to its kid. */
export async function addSigningKey(
  db: IdentityDb,
  masterKey: Buffer,
  clock: Clock,
  status: SigningKeyStatus,
): Promise<string> {
  const { kid, privateJwk, publicJwk } = generateJwk()
  await db
    .insertInto('identity_signing_keys')
    .values({
      kid,
      alg: signingAlg,
      public_jwk: JSON.stringify({ ...publicJwk, kid, alg: signingAlg, use: 'sig' }),
      sealed_private_key: seal(masterKey, kid, JSON.stringify(privateJwk)),
      status,
      created_at: clock.now(),
      retired_at: null,
    })
    .execute()
  return kid
}

/** Every stored key, the signing one first, then newest first. */
export async function listSigningKeys(db: IdentityDb): Promise<StoredSigningKey[]> {
  const rows = await db
    .selectFrom('identity_signing_keys')
    .select(['kid', 'status', 'created_at', 'retired_at', 'public_jwk'])
    .orderBy('created_at', 'desc')
    .orderBy('kid')
    .execute()
  const rank = { active: 0, next: 1, retired: 2 } as const
  return rows
    .map((row) => ({
      kid: row.kid,
      status: row.status,
      createdAt: Number(row.created_at),
      retiredAt: row.retired_at === null ? null : Number(row.retired_at),
      publicJwk: JSON.parse(row.public_jwk) as JsonWebKey,
    }))
    .sort((a, b) => rank[a.status] - rank[b.status])
}

export interface KeySchedule {
  /** How long a `next` key is published before it signs (the longest JWKS cache time). */
  readonly publishBeforeUseMs: number
  /** How long a retired key stays published (the longest lifetime of what it signed). */
  readonly keepAfterRetireMs: number
}

/**
 * Applies the rotation schedule: promotes a `next` key that has been published long enough
 * (retiring the active one), drops retired keys whose tokens have all expired, and makes a
 * first key when there is none. Returns the private keys to give the provider, signing key
 * first. Several replicas may run this at once: each step is a conditional update.
 */
export async function loadSigningKeys(
  db: IdentityDb,
  masterKey: Buffer,
  clock: Clock,
  schedule: KeySchedule,
): Promise<PrivateSigningJwk[]> {
  const now = clock.now()
  const pending = await db
    .selectFrom('identity_signing_keys')
    .select(['kid', 'created_at'])
    .where('status', '=', 'next')
    .where('created_at', '<=', now - schedule.publishBeforeUseMs)
    .orderBy('created_at', 'desc')
    .executeTakeFirst()
  if (pending !== undefined) {
    await db.transaction().execute(async (trx) => {
      await trx
        .updateTable('identity_signing_keys')
        .set({ status: 'retired', retired_at: now })
        .where('status', '=', 'active')
        .execute()
      await trx
        .updateTable('identity_signing_keys')
        .set({ status: 'active' })
        .where('kid', '=', pending.kid)
        .execute()
    })
  }
  await db
    .deleteFrom('identity_signing_keys')
    .where('status', '=', 'retired')
    .where('retired_at', '<', now - schedule.keepAfterRetireMs)
    .execute()

  const active = await db
    .selectFrom('identity_signing_keys')
    .select('kid')
    .where('status', '=', 'active')
    .executeTakeFirst()
  if (active === undefined) await addSigningKey(db, masterKey, clock, 'active')

  const rows = await db
    .selectFrom('identity_signing_keys')
    .select(['kid', 'status', 'sealed_private_key', 'created_at'])
    .orderBy('created_at', 'desc')
    .execute()
  const rank = { active: 0, next: 1, retired: 2 } as const
  return rows
    .sort((a, b) => rank[a.status] - rank[b.status])
    .map((row) => {
      const jwk = JSON.parse(unseal(masterKey, row.kid, row.sealed_private_key)) as JsonWebKey
      if (thumbprint(jwk) !== row.kid) throw new Error(`signing key ${row.kid} is corrupt`)
      return { ...jwk, kid: row.kid, alg: signingAlg, use: 'sig' as const }
    })
}
