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
import type { AccessTokenVerifier } from './access-token-verifier.js'
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
  | { readonly kind: 'subject'; readonly subject: string; readonly permission: string }

const callers = new WeakMap<FastifyRequest, Caller>()

/** Who passed the gate for this request; undefined on routes without it. */
export function callerOf(request: FastifyRequest): Caller | undefined {
  return callers.get(request)
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

export class RouteGuard {
  #authorise: BuiltInAuthoriser | undefined
  #verifier: AccessTokenVerifier | undefined

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
      const match = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')
      const token = match?.[1] ?? ''
      if (bootstrap.digest === undefined && !looksLikeJwt(token)) {
        throw unauthorized(
          `${bootstrap.setting} is not configured on this server; ` +
            "send an access token from Rampart's identity provider",
        )
      }
      // Digests have one length, so the comparison leaks neither the token nor its length.
      if (bootstrap.digest !== undefined && timingSafeEqual(digest(token), bootstrap.digest)) {
        callers.set(request, { kind: 'bootstrap', setting: bootstrap.setting })
        return
      }
      if (!looksLikeJwt(token)) throw unauthorized()
      const needed = typeof permission === 'string' ? permission : permission(request)
      const subject = await this.#subjectOf(token, request)
      const authorise = this.#authorise
      if (authorise === undefined) throw notReady()
      const decision = await authorise(subject, needed)
      if (!decision.allowed) {
        throw new RampartError(
          'access_permission_missing',
          `${subject} lacks ${needed}: no built-in role bound to it grants it`,
          { errors: [{ field: 'permission', message: needed }] },
        )
      }
      callers.set(request, { kind: 'subject', subject, permission: needed })
    }
  }

  // TODO(#5): a JWT of a user disabled since it was issued passes until it expires (10 minutes
  // by default): the gate checks its signature and claims, not identity's account status.
  async #subjectOf(token: string, request: FastifyRequest): Promise<string> {
    const verifier = this.#verifier
    if (verifier === undefined) throw notReady()
    try {
      return (await verifier.verify(token)).subject
    } catch (error) {
      // One answer for every failure; the reason (never the token) goes to the log.
      const reason = error instanceof Error ? error.message : String(error)
      request.log.info({ reason }, 'access token refused')
      throw unauthorized(undefined, error)
    }
  }
}

function unauthorized(detail = 'a valid bearer token is required', cause?: unknown) {
  return new RampartError('unauthorized', detail, cause === undefined ? {} : { cause })
}

function notReady() {
  return new RampartError('service_unavailable', 'access tokens are accepted once started')
}
