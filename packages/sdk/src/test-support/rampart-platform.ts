import { createHash, randomBytes } from 'node:crypto'

import type { IdentityTestApp } from '../../../server/src/identity/test-support/identity-app.js'
import {
  startIdentityApp,
  testPassword,
} from '../../../server/src/identity/test-support/identity-app.js'
import { signIn } from '../../../server/src/identity/test-support/http-login.js'

/** Rampart's access API token in these tests: `access.admin_token` and `check_token`. */
export const accessToken = 'access-admin-token-0123456789'

const redirectUri = 'http://127.0.0.1:5173/cb'

export interface ClientCredentials {
  readonly clientId: string
  readonly clientSecret: string
}

/**
 * A real Rampart (identity and access modules, SQLite) for the SDK's tests, with one
 * resource server for `audience`, and helpers that get tokens the way real clients do.
 */
export class RampartPlatform {
  readonly app: IdentityTestApp
  readonly audience: string
  readonly scopes: readonly string[]
  #spaClientId: string | undefined

  private constructor(app: IdentityTestApp, audience: string, scopes: readonly string[]) {
    this.app = app
    this.audience = audience
    this.scopes = scopes
  }

  static async start(
    audience: string,
    scopes: readonly string[],
    config: Record<string, unknown> = {},
  ): Promise<RampartPlatform> {
    const app = await startIdentityApp('sqlite', {
      ...config,
      access: { admin_token: accessToken, check_token: accessToken },
    })
    await app.adminJson('POST', '/resource-servers', { audience, name: 'Service', scopes })
    return new RampartPlatform(app, audience, scopes)
  }

  get url(): string {
    return this.app.url
  }

  /** A call to the access admin API (`/v1/access...`); throws on a non-2xx answer. */
  async access(method: string, path: string, body?: unknown): Promise<unknown> {
    const response = await fetch(`${this.url}/v1/access${path}`, {
      method,
      headers: {
        authorization: `Bearer ${accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    })
    const text = await response.text()
    if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`)
    return text === '' ? undefined : JSON.parse(text)
  }

  /** Binds `role` to `subject`; resolves to the binding id. */
  async bind(subject: string, role: string): Promise<string> {
    const { binding } = (await this.access('POST', '/bindings', { subject, role })) as {
      binding: { id: string }
    }
    return binding.id
  }

  /** A confidential client allowed the client credentials grant for this audience. */
  async createServiceClient(name: string): Promise<ClientCredentials> {
    return this.app.adminJson<ClientCredentials>('POST', '/clients', {
      name,
      grant_types: ['client_credentials'],
      scope: this.scopes.join(' '),
    })
  }

  /** An RFC 9068 JWT for this audience from the client credentials grant. */
  async clientToken(client: ClientCredentials): Promise<string> {
    const response = await fetch(`${this.url}/oidc/token`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${btoa(`${client.clientId}:${client.clientSecret}`)}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        scope: this.scopes.join(' '),
        resource: this.audience,
      }),
    })
    const body = (await response.json()) as { access_token?: string }
    if (!response.ok || body.access_token === undefined) {
      throw new Error(`client credentials grant: ${response.status} ${JSON.stringify(body)}`)
    }
    return body.access_token
  }

  /**
   * A user's JWT for this audience from authorization code + PKCE, signing in through
   * Rampart's login and consent pages over HTTP as a browser would. Resolves to the token
   * and the user id (its `sub`).
   */
  async userToken(email: string): Promise<{ token: string; userId: string }> {
    const user = await this.app.createUser(email)
    this.#spaClientId ??= (
      await this.app.adminJson<{ clientId: string }>('POST', '/clients', {
        name: 'storefront',
        type: 'public',
        redirect_uris: [redirectUri],
        scope: this.scopes.join(' '),
      })
    ).clientId
    const verifier = randomBytes(32).toString('base64url')
    const query = new URLSearchParams({
      client_id: this.#spaClientId,
      response_type: 'code',
      scope: `openid ${this.scopes.join(' ')}`,
      prompt: 'consent',
      redirect_uri: redirectUri,
      state: randomBytes(8).toString('hex'),
      resource: this.audience,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    })
    const callback = await signIn({
      origin: this.url,
      authorizationUrl: `${this.url}/oidc/auth?${query.toString()}`,
      email,
      password: testPassword,
    })
    const response = await fetch(`${this.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        client_id: this.#spaClientId,
        grant_type: 'authorization_code',
        code: callback.searchParams.get('code') ?? '',
        redirect_uri: redirectUri,
        code_verifier: verifier,
        resource: this.audience,
      }),
    })
    const body = (await response.json()) as { access_token?: string }
    if (!response.ok || body.access_token === undefined) {
      throw new Error(`authorization code grant: ${response.status} ${JSON.stringify(body)}`)
    }
    return { token: body.access_token, userId: user.id }
  }

  /** Ends everything a user holds at Rampart, as an administrator would. */
  async revokeUser(userId: string): Promise<void> {
    await this.app.adminJson('POST', `/users/${userId}/revoke`)
  }

  /** How many requests Rampart has answered on `route` (from its request log lines). */
  requestsTo(route: string): number {
    return this.app.test.log
      .lines()
      .filter((line) => line.msg === 'request completed' && line.route === route).length
  }

  async dispose(): Promise<void> {
    await this.app.dispose()
  }
}
