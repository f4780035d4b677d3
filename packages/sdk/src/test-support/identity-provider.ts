import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CryptoKey, JWK, JWTPayload } from 'jose'
import {
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  importJWK,
  jwtVerify,
  SignJWT,
} from 'jose'
import type { PolicySnapshot } from '@rampart/access-engine'
import type { TestServer } from './http-server.js'
import { readBody, sendJson, startServer } from './http-server.js'

interface SigningKey {
  readonly kid: string
  readonly alg: string
  readonly privateKey: CryptoKey
  readonly publicJwk: JWK
}

/**
 * A stand-in for Rampart's OpenID provider: a real HTTP server with a discovery document, a
 * JWKS of keys made by jose, and an RFC 7662 introspection endpoint for opaque tokens and for
 * the JWTs it signed (active until revoked). Tests sign tokens with it, revoke them, rotate
 * and withdraw keys, and take it down.
 */
export class TestIdentityProvider {
  readonly keys = new Map<string, SigningKey>()
  /** Keys signed with but not published (a kid the JWKS does not have yet). */
  readonly unpublished = new Set<string>()
  readonly opaqueTokens = new Map<string, Record<string, unknown>>()
  /** Signed JWTs whose grant was revoked: introspection answers them inactive. */
  readonly revokedTokens = new Set<string>()
  readonly introspectionClient = { clientId: 'shop', clientSecret: 's3cret value' }
  jwksFetches = 0
  introspections = 0
  /** Client credentials tokens issued, and the form of the last request. */
  tokensIssued = 0
  lastTokenForm: URLSearchParams | undefined
  serviceTokenLifetimeSeconds = 300
  /** Served at `/v1/access/snapshot` when set, with the long poll's ETag and 304. */
  policySnapshot: PolicySnapshot | undefined
  down = false
  #server: TestServer | undefined

  get url(): string {
    if (this.#server === undefined) throw new Error('provider not started')
    return this.#server.url
  }

  async start(): Promise<this> {
    this.#server = await startServer(async (request, response) => {
      const path = request.url ?? '/'
      // Counted while down too: tests assert how often a failing provider is asked.
      if (path === '/oidc/token/introspection') this.introspections++
      if (this.down) return sendJson(response, 503, { error: 'down' })
      if (path === '/.well-known/openid-configuration') {
        return sendJson(response, 200, {
          issuer: this.url,
          jwks_uri: `${this.url}/oidc/jwks`,
          introspection_endpoint: `${this.url}/oidc/token/introspection`,
          token_endpoint: `${this.url}/oidc/token`,
        })
      }
      if (path === '/oidc/jwks') {
        this.jwksFetches++
        const keys = [...this.keys.values()].filter((key) => !this.unpublished.has(key.kid))
        return sendJson(response, 200, { keys: keys.map((key) => key.publicJwk) })
      }
      if (path === '/oidc/token' && request.method === 'POST') {
        if (request.headers.authorization !== this.#expectedBasic()) {
          return sendJson(response, 401, { error: 'invalid_client' })
        }
        this.lastTokenForm = new URLSearchParams(await readBody(request))
        if (this.lastTokenForm.get('grant_type') !== 'client_credentials') {
          return sendJson(response, 400, { error: 'unsupported_grant_type' })
        }
        this.tokensIssued++
        return sendJson(response, 200, {
          access_token: `service-token-${this.tokensIssued}`,
          token_type: 'Bearer',
          expires_in: this.serviceTokenLifetimeSeconds,
        })
      }
      if (path === '/oidc/token/introspection' && request.method === 'POST') {
        if (request.headers.authorization !== this.#expectedBasic()) {
          return sendJson(response, 401, { error: 'invalid_client' })
        }
        const token = new URLSearchParams(await readBody(request)).get('token') ?? ''
        const answer = this.opaqueTokens.get(token) ?? (await this.#jwtStatus(token))
        return sendJson(response, 200, answer)
      }
      if (path.startsWith('/v1/access/snapshot') && this.policySnapshot !== undefined) {
        return this.#serveSnapshot(request, response, this.policySnapshot)
      }
      sendJson(response, 404, { error: 'not found' })
    })
    return this
  }

  /** The snapshot, or after the asked wait a 304 when the caller already holds its version. */
  async #serveSnapshot(
    request: IncomingMessage,
    response: ServerResponse,
    snapshot: PolicySnapshot,
  ): Promise<void> {
    const etag = `"v${snapshot.version}"`
    if (request.headers['if-none-match'] === etag) {
      const waitMs = Number(new URL(request.url ?? '/', this.url).searchParams.get('waitMs') ?? 0)
      await new Promise((done) => setTimeout(done, Math.min(waitMs, 30_000)))
      response.writeHead(304, { etag }).end()
      return
    }
    response.setHeader('etag', etag)
    sendJson(response, 200, snapshot)
  }

  /** RFC 7662's answer for a JWT: its claims while it verifies and is not revoked. */
  async #jwtStatus(token: string): Promise<Record<string, unknown>> {
    if (this.revokedTokens.has(token)) return { active: false }
    try {
      const key = this.keys.get(decodeProtectedHeader(token).kid ?? '')
      if (key === undefined) return { active: false }
      const { payload } = await jwtVerify(token, await importJWK(key.publicJwk, key.alg))
      return { ...payload, active: true, token_type: 'Bearer' }
    } catch {
      return { active: false }
    }
  }

  /** Basic credentials of the one client, form-encoded first as RFC 6749 appendix B asks. */
  #expectedBasic(): string {
    const { clientId, clientSecret } = this.introspectionClient
    const pair = `${clientId}:${clientSecret.replace(/ /g, '+')}`
    return `Basic ${Buffer.from(pair).toString('base64')}`
  }

  async addKey(
    kid: string,
    alg = 'ES256',
    options: { publish?: boolean } = {},
  ): Promise<SigningKey> {
    const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true })
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }
    const key = { kid, alg, privateKey, publicJwk }
    this.keys.set(kid, key)
    if (options.publish === false) this.unpublished.add(kid)
    return key
  }

  /** A token signed by key `kid`, with defaults that pass: override any claim or header. */
  async sign(
    kid: string,
    claims: JWTPayload & Record<string, unknown> = {},
    header: Record<string, unknown> = {},
  ): Promise<string> {
    const key = this.keys.get(kid)
    if (key === undefined) throw new Error(`no key ${kid}`)
    const now = Math.floor(Date.now() / 1000)
    return new SignJWT({
      iss: this.url,
      aud: 'shop-api',
      sub: 'user-1',
      client_id: 'shop-web',
      scope: 'orders:read orders:write',
      iat: now,
      exp: now + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: key.alg, kid, typ: 'at+jwt', ...header })
      .sign(key.privateKey)
  }

  async close(): Promise<void> {
    await this.#server?.close()
  }
}
