/**
 * The OAuth 2.0 / OpenID Connect provider: `oidc-provider` (OpenID Certified) configured for
 * Rampart. The protocol is the library's; what is set here is policy (RFC 9700): PKCE with
 * S256 for every client, exact redirect URIs, the `iss` response parameter, rotated refresh
 * tokens whose reuse revokes the grant, JWT access tokens (RFC 9068) for registered resource
 * servers, ES256 signatures, and no development interactions. JWT access tokens are recorded
 * as they are issued, so introspection and revocation cover them as they do opaque tokens.
 */
import { hkdfSync } from 'node:crypto'

import type { Configuration, KoaContextWithOIDC, ResourceServer } from 'oidc-provider'
import Provider, { errors } from 'oidc-provider'

import type { Clock } from '../../platform/clock.js'
import type { IdentityConfig } from '../config.js'
import type { Accounts } from '../accounts/accounts.js'
import type { ClientCache } from '../clients/client-cache.js'
import type { ResourceServers } from '../clients/resource-servers.js'
import type { IdentityDb } from '../store/tables.js'
import type { JwtAccessTokens } from '../tokens/jwt-access-tokens.js'
import { clientSecretMatches } from '../clients/client-secrets.js'
import { oidcScopes } from '../clients/clients.js'
import { providerPrefix } from './mount.js'
import { createAdapterClass } from './oidc-adapter.js'
import { renderProviderError, renderLogout, renderLoggedOut } from '../pages/provider-pages.js'
import type { PrivateSigningJwk } from './signing-keys.js'
import { signingAlg } from './signing-keys.js'
import { issuedJwt } from './issued-jwt.js'
import { acceptStructuredTokens, registerTokenVerifier } from './structured-tokens.js'

export interface ProviderOptions {
  readonly issuer: string
  readonly db: IdentityDb
  readonly clock: Clock
  readonly config: IdentityConfig
  readonly masterKey: Buffer
  readonly signingKeys: readonly PrivateSigningJwk[]
  readonly accounts: Accounts
  readonly resourceServers: ResourceServers
  readonly clientCache: ClientCache
  readonly jwtAccessTokens: JwtAccessTokens
  readonly trustProxy: boolean
}

const seconds = (ms: number) => Math.max(1, Math.floor(ms / 1000))

/** Keys for the provider's signed cookies, derived from the master key for this use only. */
function cookieKeys(masterKey: Buffer): string[] {
  const key = hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart identity cookies v1', 32)
  return [Buffer.from(key).toString('base64url')]
}

function allowedOrigin(ctx: KoaContextWithOIDC, origin: string): boolean {
  const client = ctx.oidc.client
  if (client === undefined) return false
  return (client.redirectUris ?? []).some((uri) => new URL(uri).origin === origin)
}

export function providerConfiguration(options: ProviderOptions): Configuration {
  const { config, accounts, resourceServers } = options
  const refreshIdle = seconds(config.refresh_token_idle_ttl)
  const refreshAbsolute = seconds(config.refresh_token_absolute_ttl)

  return {
    adapter: createAdapterClass(
      options.db,
      options.clock,
      options.clientCache,
      options.jwtAccessTokens,
    ),
    jwks: { keys: options.signingKeys.map((key) => ({ ...key })) },
    cookies: { keys: cookieKeys(options.masterKey) },
    routes: {
      authorization: `${providerPrefix}/auth`,
      token: `${providerPrefix}/token`,
      userinfo: `${providerPrefix}/me`,
      jwks: `${providerPrefix}/jwks`,
      revocation: `${providerPrefix}/token/revocation`,
      introspection: `${providerPrefix}/token/introspection`,
      end_session: `${providerPrefix}/session/end`,
      pushed_authorization_request: `${providerPrefix}/request`,
    },
    formats: {
      customizers: {
        // Runs before the token is signed: a token that could not be recorded is never issued.
        // TODO(#4): one insert per JWT; a busy client-credentials caller may need batching.
        jwt: async (_ctx, token, jwt) => {
          await options.jwtAccessTokens.record(issuedJwt(token, jwt.payload))
        },
      },
    },
    responseTypes: ['code'],
    pkce: { required: () => true },
    allowOmittingSingleRegisteredRedirectUri: false,
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    clientDefaults: {
      grant_types: ['authorization_code'],
      id_token_signed_response_alg: signingAlg,
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    enabledJWA: {
      idTokenSigningAlgValues: [signingAlg],
      // Symmetric algorithms would key on the stored secret digest: asymmetric ones only.
      clientAuthSigningAlgValues: ['ES256', 'EdDSA', 'PS256', 'RS256'],
      requestObjectSigningAlgValues: ['ES256', 'EdDSA', 'PS256', 'RS256'],
      userinfoSigningAlgValues: [signingAlg],
      introspectionSigningAlgValues: [signingAlg],
      authorizationSigningAlgValues: [signingAlg],
    },
    scopes: [...oidcScopes],
    extraClientMetadata: {
      properties: ['api_scopes'],
      validator: (_ctx, key, value) => {
        if (key === 'api_scopes' && value !== undefined && typeof value !== 'string') {
          throw new errors.InvalidClientMetadata('api_scopes must be a space-separated string')
        }
      },
    },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    clientBasedCORS: (ctx, origin) => allowedOrigin(ctx, origin),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      // Confidential clients (resource servers) may introspect any token; a public client
      // only its own. Tokens are revoked only by the client they were issued to.
      introspection: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) =>
          client.clientAuthMethod !== 'none' || token.clientId === client.clientId,
      },
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
      userinfo: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: (ctx, form) => {
          ctx.type = 'html'
          ctx.body = renderLogout(form)
        },
        postLogoutSuccessSource: (ctx) => {
          ctx.type = 'html'
          ctx.body = renderLoggedOut()
        },
      },
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
        useGrantedResource: () => true,
        getResourceServerInfo: async (_ctx, indicator, client): Promise<ResourceServer> => {
          const server = await resourceServers.find(indicator)
          if (server === undefined) throw new errors.InvalidTarget()
          // A client gets only the API scopes it was registered with.
          const registered = client.api_scopes
          const allowed = new Set(typeof registered === 'string' ? registered.split(' ') : [])
          return {
            scope: server.scopes.filter((scope) => allowed.has(scope)).join(' '),
            audience: server.audience,
            accessTokenTTL: server.accessTokenTtlSeconds ?? seconds(config.access_token_ttl),
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: signingAlg } },
          }
        },
      },
    },
    ttl: {
      AccessToken: seconds(config.access_token_ttl),
      ClientCredentials: seconds(config.access_token_ttl),
      AuthorizationCode: seconds(config.authorization_code_ttl),
      IdToken: seconds(config.id_token_ttl),
      Interaction: 600,
      Session: seconds(config.session_absolute_ttl),
      Grant: refreshAbsolute,
      // Idle lifetime per rotation, never past the absolute lifetime from the first login.
      RefreshToken: (_ctx, token) => {
        const issuedAt = typeof token.iiat === 'number' ? token.iiat : Math.floor(Date.now() / 1000)
        const remaining = issuedAt + refreshAbsolute - Math.floor(Date.now() / 1000)
        return Math.max(1, Math.min(refreshIdle, remaining))
      },
    },
    rotateRefreshToken: true,
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const user = await accounts.find(sub)
      if (user === undefined || user.status !== 'active') return undefined
      return {
        accountId: user.id,
        claims: () => ({
          sub: user.id,
          email: user.email,
          email_verified: false,
          ...(user.name === null ? {} : { name: user.name }),
        }),
      }
    },
    renderError: (ctx, out) => {
      ctx.type = 'html'
      ctx.body = renderProviderError(out)
    },
  }
}

/** Builds the provider; `compareClientSecret` is replaced to check stored secret digests. */
export function createProvider(options: ProviderOptions): Provider {
  acceptStructuredTokens()
  const provider = new Provider(options.issuer, providerConfiguration(options))
  provider.proxy = options.trustProxy
  registerTokenVerifier(provider, {
    keys: options.signingKeys.map(({ kty, crv, x, y, kid, alg, use }) => ({
      kty,
      crv,
      x,
      y,
      kid,
      alg,
      use,
    })),
  })
  const clientPrototype = provider.Client.prototype as unknown as {
    clientSecret?: string
    compareClientSecret(presented: string): Promise<boolean>
  }
  clientPrototype.compareClientSecret = function compare(presented: string) {
    return Promise.resolve(clientSecretMatches(this.clientSecret, presented))
  }
  return provider
}
