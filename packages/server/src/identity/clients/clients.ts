/**
 * The OAuth clients the provider serves, in `identity_clients`: public clients (single-page
 * and native apps, PKCE only) and confidential ones (a hashed secret or a JWKS for
 * `private_key_jwt`). The metadata is stored in the provider's own format.
 */
import { randomBytes } from 'node:crypto'

import { z } from 'zod'

import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import type { IdentityDb } from '../store/tables.js'
import type { JwtAccessTokens } from '../tokens/jwt-access-tokens.js'
import type { ClientCache } from './client-cache.js'
import { clientSecretMatches, generateClientSecret, hashClientSecret } from './client-secrets.js'

const grantTypes = ['authorization_code', 'refresh_token', 'client_credentials'] as const

/** The scopes the provider itself knows; any other scope belongs to a resource server. */
export const oidcScopes: ReadonlySet<string> = new Set([
  'openid',
  'offline_access',
  'email',
  'profile',
])

/** A redirect URI: absolute, https or loopback http, no fragment, no userinfo. */
const redirectUri = z.string().superRefine((value, context) => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    context.addIssue({ code: 'custom', message: 'is not an absolute URL' })
    return
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname)
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    context.addIssue({ code: 'custom', message: 'must be https (http only for loopback)' })
  }
  if (value.includes('#')) context.addIssue({ code: 'custom', message: 'must not have a fragment' })
  if (url.username !== '' || url.password !== '') {
    context.addIssue({ code: 'custom', message: 'must not carry user information' })
  }
})

export const newClientSchema = z
  .object({
    name: z.string().min(1).max(200),
    type: z.enum(['public', 'confidential']).default('confidential'),
    redirect_uris: z.array(redirectUri).max(20).default([]),
    post_logout_redirect_uris: z.array(redirectUri).max(20).default([]),
    grant_types: z.array(z.enum(grantTypes)).min(1).optional(),
    scope: z
      .string()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/, 'is not a scope list')
      .optional(),
    token_endpoint_auth_method: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt'])
      .optional(),
    /** The client's public keys, for `private_key_jwt`. */
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
  })
  .strict()

export type NewClient = z.input<typeof newClientSchema>

/** A client as the API shows it: metadata without any secret or hash. */
export interface ClientView {
  readonly clientId: string
  readonly name: string
  readonly type: 'public' | 'confidential'
  readonly redirectUris: readonly string[]
  readonly grantTypes: readonly string[]
  readonly scope: string
  readonly tokenEndpointAuthMethod: string
  readonly createdAt: string
}

export interface CreatedClient extends ClientView {
  /** Shown once, at creation or rotation; only its digest is stored. */
  readonly clientSecret?: string
}

type Metadata = Record<string, unknown> & {
  client_id: string
  client_secret?: string
  redirect_uris: string[]
  grant_types: string[]
  token_endpoint_auth_method: string
  scope?: string
  api_scopes?: string
}

/** `{ [key]: 'a b' }`, or nothing for an empty list (the provider refuses an empty scope). */
function spaceSeparated(key: string, values: readonly string[]): Record<string, string> {
  return values.length === 0 ? {} : { [key]: values.join(' ') }
}

function view(name: string, metadata: Metadata, createdAt: number): ClientView {
  return {
    clientId: metadata.client_id,
    name,
    type: metadata.token_endpoint_auth_method === 'none' ? 'public' : 'confidential',
    redirectUris: metadata.redirect_uris,
    grantTypes: metadata.grant_types,
    scope: [metadata.scope ?? '', metadata.api_scopes ?? '']
      .filter((part) => part !== '')
      .join(' '),
    tokenEndpointAuthMethod: metadata.token_endpoint_auth_method,
    createdAt: new Date(createdAt).toISOString(),
  }
}

/** Turns zod issues into the `validation_failed` field list. */
function invalid(error: z.ZodError): RampartError {
  const errors = error.issues.map((issue) => ({
    field: ['body', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }))
  const summary = errors.map((item) => `${item.field} ${item.message}`).join('; ')
  return new RampartError('validation_failed', summary, { errors })
}

function buildMetadata(input: z.output<typeof newClientSchema>, clientId: string): Metadata {
  const isPublic = input.type === 'public'
  const grants =
    input.grant_types ??
    (isPublic ? ['authorization_code', 'refresh_token'] : ['client_credentials'])
  if (isPublic && grants.includes('client_credentials')) {
    throw new RampartError(
      'identity_client_invalid',
      'a public client cannot use client_credentials',
    )
  }
  if (grants.includes('authorization_code') && input.redirect_uris.length === 0) {
    throw new RampartError('identity_client_invalid', 'authorization_code needs redirect_uris')
  }
  const scopes = (
    input.scope ??
    (grants.includes('authorization_code') ? 'openid email profile offline_access' : '')
  )
    .split(' ')
    .filter((scope) => scope !== '')
  const method = isPublic
    ? 'none'
    : (input.token_endpoint_auth_method ??
      (input.jwks === undefined ? 'client_secret_basic' : 'private_key_jwt'))
  if (method === 'private_key_jwt' && input.jwks === undefined) {
    throw new RampartError('identity_client_invalid', 'private_key_jwt needs jwks')
  }
  return {
    client_id: clientId,
    client_name: input.name,
    redirect_uris: input.redirect_uris,
    post_logout_redirect_uris: input.post_logout_redirect_uris,
    grant_types: grants,
    response_types: grants.includes('authorization_code') ? ['code'] : [],
    token_endpoint_auth_method: method,
    // OpenID scopes go to the provider's `scope`; API scopes limit what resource servers grant
    // this client (see `getResourceServerInfo`), since they are not the provider's own.
    ...spaceSeparated(
      'scope',
      scopes.filter((scope) => oidcScopes.has(scope)),
    ),
    ...spaceSeparated(
      'api_scopes',
      scopes.filter((scope) => !oidcScopes.has(scope)),
    ),
    ...(input.jwks === undefined ? {} : { jwks: input.jwks }),
  }
}

export interface ClientValidator {
  /** Throws `identity_client_invalid` when the provider would refuse the metadata. */
  validate(metadata: Record<string, unknown>): Promise<void>
}

export class Clients {
  readonly #db: IdentityDb
  readonly #clock: Clock
  readonly #validator: ClientValidator

  readonly #cache: ClientCache
  readonly #jwtTokens: JwtAccessTokens

  constructor(
    db: IdentityDb,
    clock: Clock,
    validator: ClientValidator,
    cache: ClientCache,
    jwtTokens: JwtAccessTokens,
  ) {
    this.#db = db
    this.#clock = clock
    this.#validator = validator
    this.#cache = cache
    this.#jwtTokens = jwtTokens
  }

  async create(body: unknown): Promise<CreatedClient> {
    const parsed = newClientSchema.safeParse(body)
    if (!parsed.success) throw invalid(parsed.error)
    const clientId = randomBytes(16).toString('hex')
    const metadata = buildMetadata(parsed.data, clientId)
    const secret = metadata.token_endpoint_auth_method.startsWith('client_secret')
      ? generateClientSecret()
      : undefined
    if (secret !== undefined) metadata.client_secret = hashClientSecret(secret)
    await this.#validator.validate(metadata)

    const now = this.#clock.now()
    await this.#db
      .insertInto('identity_clients')
      .values({
        client_id: clientId,
        name: parsed.data.name,
        metadata: JSON.stringify(metadata),
        created_at: now,
        updated_at: now,
      })
      .execute()
    const shown = view(parsed.data.name, metadata, now)
    return secret === undefined ? shown : { ...shown, clientSecret: secret }
  }

  async list(): Promise<ClientView[]> {
    const rows = await this.#db
      .selectFrom('identity_clients')
      .selectAll()
      .orderBy('created_at')
      .orderBy('client_id')
      .execute()
    return rows.map((row) =>
      view(row.name, JSON.parse(row.metadata) as Metadata, Number(row.created_at)),
    )
  }

  async get(clientId: string): Promise<ClientView> {
    const row = await this.#row(clientId)
    return view(row.name, JSON.parse(row.metadata) as Metadata, Number(row.created_at))
  }

  /** Replaces a confidential client's secret; the old one stops working at once. */
  async rotateSecret(clientId: string): Promise<CreatedClient> {
    const row = await this.#row(clientId)
    const metadata = JSON.parse(row.metadata) as Metadata
    if (!metadata.token_endpoint_auth_method.startsWith('client_secret')) {
      throw new RampartError('identity_client_invalid', 'this client does not use a secret')
    }
    const secret = generateClientSecret()
    metadata.client_secret = hashClientSecret(secret)
    await this.#db
      .updateTable('identity_clients')
      .set({ metadata: JSON.stringify(metadata), updated_at: this.#clock.now() })
      .where('client_id', '=', clientId)
      .execute()
    this.#cache.forget(clientId)
    return { ...view(row.name, metadata, Number(row.created_at)), clientSecret: secret }
  }

  /**
   * Whether `secret` is the current secret of the confidential client `clientId`. Unknown
   * clients and clients without a secret answer false, like a wrong secret.
   */
  async secretMatches(clientId: string, secret: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('identity_clients')
      .select('metadata')
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    const metadata = row === undefined ? undefined : (JSON.parse(row.metadata) as Metadata)
    return clientSecretMatches(metadata?.client_secret, secret)
  }

  /** Deletes the client and every code, token and grant issued to it. */
  async delete(clientId: string): Promise<void> {
    await this.#row(clientId)
    await this.#db.deleteFrom('identity_clients').where('client_id', '=', clientId).execute()
    this.#cache.forget(clientId)
    // Artefacts carry the client id in their JSON payload only; match it there.
    await this.#db
      .deleteFrom('identity_oidc_payloads')
      .where('payload', 'like', `%"clientId":${JSON.stringify(clientId)}%`)
      .execute()
    await this.#jwtTokens.revokeClient(clientId)
  }

  async #row(clientId: string) {
    const row = await this.#db
      .selectFrom('identity_clients')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst()
    if (row === undefined) throw new RampartError('not_found', 'no such client')
    return row
  }
}
