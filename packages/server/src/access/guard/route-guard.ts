/**
 * The one gate in front of Rampart's own admin API. A request passes with the route group's
 * bootstrap token (the configured `*.admin_token` or `*.read_token`, as before the access model
 * protected these routes), or with an access token from Rampart's identity provider whose
 * subject holds the route's permission through a built-in role. Each route group adds it with
 * one `onRequest` hook, which runs before the body is read.
 *
 * @example
 * scope.addHook('onRequest', guard.require(permissionByRoute('identity'), {
 *   digest: adminTokenDigest,
 *   setting: 'identity.admin_token',
 * }))
 */
import { createHash, timingSafeEqual } from 'node:crypto'

import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify'

import { RampartError } from '../../platform/errors.js'
import type { AccessTokenVerifier, TokenCaller } from './access-token-verifier.js'
import { looksLikeJwt } from './access-token-verifier.js'
import type { BuiltInAuthoriser } from './built-in-authoriser.js'

/** A route group's configured token: the SHA-256 digest of its value, and its setting. */
export interface BootstrapToken {
  readonly digest: Buffer | undefined
  /** The setting that configures it, for the message when it is not set. */
  readonly setting: string
}

export type RoutePermission = string | ((request: FastifyRequest) => string)

/** Who passed the gate: a bootstrap token's holder, or a subject of the access model. */
export type Caller =
  | { readonly kind: 'bootstrap'; readonly setting: string }
  | { readonly kind: 'subject'; readonly subject: string }

const callers = new WeakMap<FastifyRequest, Caller>()

/** Who passed the gate for this request; undefined on routes without it. */
export function callerOf(request: FastifyRequest): Caller | undefined {
  return callers.get(request)
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

/** Whether a subject may still act (a disabled user may not), however valid its token. */
export type SubjectCheck = (subject: string) => Promise<boolean>

/** Whether the access token with this `jti` is recorded and not revoked (nor expired). */
export type TokenCheck = (jti: string) => Promise<boolean>

export class RouteGuard {
  #authorise: BuiltInAuthoriser | undefined
  #verifier: AccessTokenVerifier | undefined
  #isActive: SubjectCheck | undefined
  #isTokenActive: TokenCheck | undefined

  /** The composition root supplies identity's view of who is still active. */
  useSubjectCheck(isActive: SubjectCheck): void {
    this.#isActive = isActive
  }

  /** The composition root supplies identity's record of issued and revoked tokens. */
  useTokenCheck(isTokenActive: TokenCheck): void {
    this.#isTokenActive = isTokenActive
  }

  /** The access module supplies the decisions. */
  connect(authorise: BuiltInAuthoriser): void {
    this.#authorise = authorise
  }

  /** Once the server listens and the issuer is known, access tokens can be verified. */
  useVerifier(verifier: AccessTokenVerifier): void {
    this.#verifier = verifier
  }

  /** The `onRequest` hook requiring `permission` (or the bootstrap token) on a route. */
  require(permission: RoutePermission, bootstrap: BootstrapToken): onRequestAsyncHookHandler {
    return async (request) => {
      const caller = await this.#identify(request, [bootstrap])
      if (caller.kind === 'subject') {
        await this.demand(
          request,
          typeof permission === 'string' ? permission : permission(request),
        )
      }
    }
  }

  /**
   * The `onRequest` hook that only establishes who calls: one of the bootstrap tokens, or a
   * valid access token. What that caller may ask is for the route to decide (`demand`).
   */
  authenticate(bootstraps: readonly BootstrapToken[]): onRequestAsyncHookHandler {
    return async (request) => {
      await this.#identify(request, bootstraps)
    }
  }

  /**
   * Requires `permission` of the subject whose access token passed `authenticate`; a holder of
   * a bootstrap token passes. Throws 403 `access_permission_missing` naming it.
   */
  async demand(request: FastifyRequest, permission: string): Promise<void> {
    const caller = callers.get(request)
    if (caller?.kind === 'bootstrap') return
    if (caller === undefined) throw unauthorized()
    const authorise = this.#authorise
    if (authorise === undefined) throw notReady()
    const decision = await authorise(caller.subject, permission)
    if (!decision.allowed) {
      throw new RampartError(
        'access_permission_missing',
        `${caller.subject} lacks ${permission}: no built-in role bound to it grants it`,
        { errors: [{ field: 'permission', message: permission }] },
      )
    }
  }

  async #identify(request: FastifyRequest, bootstraps: readonly BootstrapToken[]): Promise<Caller> {
    const match = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')
    const token = match?.[1] ?? ''
    const configured = bootstraps.filter((bootstrap) => bootstrap.digest !== undefined)
    if (configured.length === 0 && !looksLikeJwt(token)) {
      const settings = bootstraps.map((bootstrap) => bootstrap.setting).join(' or ')
      throw unauthorized(
        `${settings} is not configured on this server; ` +
          "send an access token from Rampart's identity provider",
      )
    }
    // Digests have one length, so the comparison leaks neither the token nor its length.
    const given = digest(token)
    const bootstrap = configured.find((item) => timingSafeEqual(given, item.digest as Buffer))
    const caller: Caller =
      bootstrap !== undefined
        ? { kind: 'bootstrap', setting: bootstrap.setting }
        : { kind: 'subject', subject: await this.#subjectOf(token, request) }
    callers.set(request, caller)
    return caller
  }

  // A deleted client's tokens are revoked with it, so the token check below refuses them.
  async #subjectOf(token: string, request: FastifyRequest): Promise<string> {
    if (!looksLikeJwt(token)) throw unauthorized()
    const verifier = this.#verifier
    if (verifier === undefined) throw notReady()
    let caller: TokenCaller
    try {
      caller = await verifier.verify(token)
    } catch (error) {
      // One answer for every failure; the reason (never the token) goes to the log.
      const reason = error instanceof Error ? error.message : String(error)
      request.log.info({ reason }, 'access token refused')
      throw unauthorized(undefined, error)
    }
    // A JWT outlives its revocation until it expires; identity's record of it knows. With no
    // record to ask, no token is taken: the guard cannot tell a revoked one from the rest.
    if (this.#isTokenActive === undefined) throw notReady()
    const { subject, jti } = caller
    if (!(await this.#isTokenActive(jti))) {
      request.log.info({ reason: 'token revoked or not recorded' }, 'access token refused')
      throw unauthorized('the access token has been revoked or was not issued by this server')
    }
    // A JWT outlives a disabled account until it expires; identity knows it is disabled.
    if (this.#isActive !== undefined && !(await this.#isActive(subject))) {
      request.log.info({ reason: 'subject no longer active' }, 'access token refused')
      throw unauthorized()
    }
    return subject
  }
}

function unauthorized(detail = 'a valid bearer token is required', cause?: unknown) {
  return new RampartError('unauthorized', detail, cause === undefined ? {} : { cause })
}

function notReady() {
  return new RampartError('service_unavailable', 'access tokens are accepted once started')
}
