/**
 * `@rampart/sdk/fastify`: Rampart's SDK for Fastify 5.
 *
 * @example
 * const rampart = createRampart({
 *   url: 'http://127.0.0.1:8080',
 *   service: 'shop',
 *   audience: 'https://shop.example',
 * })
 * const app = Fastify({ loggerInstance: rampart.logger, disableRequestLogging: true })
 * await app.register(rampart.observe())
 * await app.register(rampart.health())
 * await app.register(rampart.authenticate())
 * app.post('/orders', { preHandler: rampart.authorize('order', 'create') }, handler)
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyReply, FastifyRequest } from 'fastify'
import fastifyPlugin from 'fastify-plugin'
import type { ResourceDescription } from '../access/types.js'
import type { RampartAuth } from '../auth/types.js'
import type { RequestRefusal } from '../errors.js'
import { problemContentType } from '../errors.js'
import { readinessBody } from '../http/health-bodies.js'
import { isRefusal } from '../http/refusal.js'
import { currentContext, runWithContext } from '../observe/context.js'
import type { ObservedRequest } from '../observe/request-observer.js'
import { unmatchedRoute } from '../observe/metrics.js'
import type { RampartOptions } from '../options.js'
import { RampartCore } from '../rampart.js'
import type { RateLimitSettings } from '../rate-limit/limiter.js'
import { RateLimit } from '../rate-limit/limiter.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified caller, set by `rampart.authenticate()`. */
    auth?: RampartAuth
    /** The SDK's request id, set by `rampart.observe()`. */
    rampartRequestId?: string
  }
  interface FastifyContextConfig {
    /** `{ public: true }`: `rampart.authenticate()` lets requests to this route through. */
    rampart?: { public?: boolean }
  }
}

const observedKey = Symbol('rampart.observed')
type ObservedFastifyRequest = FastifyRequest & { [observedKey]?: ObservedRequest }

function sendRefusal(request: FastifyRequest, reply: FastifyReply, refusal: RequestRefusal) {
  const problem = refusal.toProblem(request.rampartRequestId)
  return reply.code(refusal.status).headers(refusal.headers).type(problemContentType).send(problem)
}

export interface AuthorizeOptions {
  /** Loads the resource's id and attributes (owner, department) for conditions. */
  readonly load?: (request: FastifyRequest) => Promise<ResourceDescription | undefined>
}

export interface RateLimitOptions extends RateLimitSettings {
  /** Whom a request counts against: the caller's subject, or the client IP, by default. */
  readonly key?: (request: FastifyRequest) => string
}

export interface HealthOptions {
  /** Serve `/metrics` too (default true). */
  readonly metrics?: boolean
}

/** A route hook (`preHandler`, `onRequest`), typed loosely to fit apps with any logger type. */
export type RouteHook = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>

/** Fastify's `done` of a callback hook. */
type Done = (error?: Error) => void

/** A route hook in callback form (`preHandler`), typed loosely to fit apps with any logger. */
export type RouteCallbackHook = (request: FastifyRequest, reply: FastifyReply, done: Done) => void

const pluginOptions = { fastify: '5.x' } as const

/**
 * Fastify builds a child logger per request to bind its own `reqId`. The SDK's logger puts
 * the request's ids on every line already, so requests share the logger instead (a child per
 * request costs about as much as a small route); a route with its own level or serializers
 * still gets a child.
 */
const shareLogger: Parameters<FastifyInstance['setChildLoggerFactory']>[0] = (
  logger,
  bindings,
  options,
) => {
  const ownLevel = options.level !== undefined && options.level !== logger.level
  if (!ownLevel && options.serializers === undefined) return logger
  return logger.child(bindings, options)
}

/** Rampart for a Fastify 5 application; see `createRampart`. */
export class FastifyRampart extends RampartCore {
  /**
   * Request ids (the caller's valid `X-Request-Id` or a new one, echoed in the response),
   * W3C trace context, RED metrics by route template, a span when tracing is on, and one log
   * line per request. Applies to the whole application.
   */
  observe(): FastifyPluginCallback {
    const plugin: FastifyPluginCallback = (app, _options, done) => {
      app.decorateRequest('rampartRequestId', undefined)
      if (Object.prototype.isPrototypeOf.call(this.logger, app.log)) {
        app.setChildLoggerFactory(shareLogger)
      }
      app.addHook('onRequest', (request: ObservedFastifyRequest, reply, next) => {
        const observed = this.observer.start(
          request.method,
          request.headers['x-request-id'],
          request.headers.traceparent,
        )
        request[observedKey] = observed
        request.rampartRequestId = observed.context.requestId
        void reply.header('x-request-id', observed.context.requestId)
        runWithContext(observed.context, next)
      })
      // Body parsing runs on the socket's callbacks, outside the request's async context:
      // enter it again for validation, handlers and everything after.
      app.addHook('preValidation', (request: ObservedFastifyRequest, _reply, next) => {
        const observed = request[observedKey]
        // Requests without a body never left the context: no need to enter it again.
        if (observed === undefined || currentContext() === observed.context) next()
        else runWithContext(observed.context, next)
      })
      app.addHook('onResponse', (request: ObservedFastifyRequest, reply, next) => {
        const route = request.routeOptions.url ?? unmatchedRoute
        request[observedKey]?.finish(route, reply.statusCode, request.url)
        next()
      })
      done()
    }
    return fastifyPlugin(plugin, { ...pluginOptions, name: '@rampart/sdk/observe' })
  }

  /**
   * Requires a valid bearer access token on every route (except those with
   * `config: { rampart: { public: true } }`) and sets `request.auth`; refuses with 401 (or
   * 400 for a malformed header) and an RFC 6750 challenge otherwise. With `optional`, a
   * request without a token passes with `request.auth` unset.
   */
  authenticate(options: { optional?: boolean } = {}): FastifyPluginCallback {
    const optional = options.optional ?? false
    const plugin: FastifyPluginCallback = (app, _options, done) => {
      app.decorateRequest('auth', undefined)
      // A callback hook, not an async one: a token seen before is found without a promise,
      // which is the path almost every request takes.
      app.addHook('onRequest', (request, reply, next) => {
        if (request.routeOptions.config.rampart?.public === true) return next()
        const header = request.headers.authorization
        const cached = this.authenticator.cached(header)
        if (cached !== undefined) {
          request.auth = cached
          return next()
        }
        this.authenticator.authenticate(header, optional).then(
          (auth) => {
            if (auth !== undefined) request.auth = auth
            next()
          },
          (error: unknown) => {
            // Answered here: the hook ends without calling next, as Fastify expects.
            if (isRefusal(error)) void sendRefusal(request, reply, error)
            else next(error as Error)
          },
        )
      })
      done()
    }
    return fastifyPlugin(plugin, { ...pluginOptions, name: '@rampart/sdk/authenticate' })
  }

  /**
   * A `preHandler` that allows the request only when the authenticated caller holds
   * `resource:action`; 403 problem+json naming the missing permission otherwise, 503 when no
   * decision can be had (never allows by default).
   */
  authorize(resource: string, action: string, options: AuthorizeOptions = {}): RouteCallbackHook {
    const load = options.load
    this.authorizer.prepare(resource, action)
    const refuse = (request: FastifyRequest, reply: FastifyReply, error: unknown, done: Done) => {
      // A refusal is answered here, and the hook ends without calling done.
      if (isRefusal(error)) void sendRefusal(request, reply, error)
      else done(error as Error)
    }
    // A callback hook: without a loader, a decision from the snapshot needs no promise.
    return (request, reply, done) => {
      if (load === undefined) {
        try {
          if (this.authorizer.decideNow(request.auth, resource, action, undefined)) return done()
        } catch (error) {
          return refuse(request, reply, error, done)
        }
      }
      const decide = async () => {
        const described = load === undefined ? undefined : await load(request)
        await this.authorizer.authorize(request.auth, resource, action, described)
      }
      decide().then(
        () => done(),
        (error: unknown) => refuse(request, reply, error, done),
      )
    }
  }

  /**
   * A hook (`onRequest` or `preHandler`) that refuses a key's requests beyond `points` per
   * `duration` seconds with 429 problem+json and `Retry-After`; counters in memory, or in
   * Redis when a client is given.
   * @example app.post('/login', { preHandler: rampart.rateLimit({ points: 10, duration: 60 }) }, h)
   */
  rateLimit(options: RateLimitOptions): RouteHook {
    const limit = new RateLimit(options, this.logger)
    const keyOf =
      options.key ??
      ((request: FastifyRequest) =>
        request.auth === undefined ? `ip:${request.ip}` : `sub:${request.auth.subject}`)
    return async (request, reply) => {
      try {
        void reply.headers(await limit.consume(keyOf(request)))
      } catch (error) {
        if (!isRefusal(error)) throw error
        return sendRefusal(request, reply, error)
      }
    }
  }

  /** `GET /healthz`, `GET /readyz` (registered checks) and `GET /metrics`, all public. */
  health(options: HealthOptions = {}): FastifyPluginCallback {
    const config = { rampart: { public: true } }
    const plugin: FastifyPluginCallback = (app, _options, done) => {
      app.get('/healthz', { config }, async (_request, reply) => {
        void reply.header('cache-control', 'no-store')
        return { status: 'ok' }
      })
      app.get('/readyz', { config }, async (_request, reply) => {
        const readiness = await this.healthChecks.readiness()
        void reply.code(readiness.httpStatus).header('cache-control', 'no-store')
        return readinessBody(readiness)
      })
      if (options.metrics ?? true) {
        app.get('/metrics', { config }, async (_request, reply) => {
          const { contentType, body } = await this.metrics.exposition()
          return reply.type(contentType).send(body)
        })
      }
      done()
    }
    return fastifyPlugin(plugin, { ...pluginOptions, name: '@rampart/sdk/health' })
  }
}

/** Creates Rampart's SDK for a Fastify 5 service. Throws on invalid options. */
export function createRampart(options: RampartOptions): FastifyRampart {
  return new FastifyRampart(options)
}

export type { RampartAuth } from '../auth/types.js'
export type { RampartOptions } from '../options.js'
