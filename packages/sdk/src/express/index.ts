/**
 * `@rampart/sdk/express`: Rampart's SDK for Express 5.
 *
 * @example
 * const rampart = createRampart({
 *   url: 'http://127.0.0.1:8080',
 *   service: 'shop',
 *   audience: 'https://shop.example',
 * })
 * app.use(rampart.observe())      // metrics, logs, traces, request ids
 * app.use(rampart.health())       // /healthz, /readyz, /metrics (before authenticate)
 * app.use(rampart.authenticate()) // bearer access tokens
 * app.post('/orders', rampart.authorize('order', 'create'), handler)
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express'
import type { ResourceDescription } from '../access/types.js'
import type { RampartAuth } from '../auth/types.js'
import type { RequestRefusal } from '../errors.js'
import { problemContentType } from '../errors.js'
import { isRefusal } from '../http/refusal.js'
import { readinessBody } from '../http/health-bodies.js'
import { currentContext, runWithContext } from '../observe/context.js'
import type { Logger } from '../observe/logger.js'
import { unmatchedRoute } from '../observe/metrics.js'
import type { RampartOptions } from '../options.js'
import { RampartCore } from '../rampart.js'
import type { RateLimitSettings } from '../rate-limit/limiter.js'
import { RateLimit } from '../rate-limit/limiter.js'

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The verified caller, set by `rampart.authenticate()`. */
      auth?: RampartAuth
      /** The request id, set by `rampart.observe()`. */
      requestId?: string
      /** The service's logger; its lines carry the request and trace ids. */
      log?: Logger
    }
  }
}

// Routes the SDK answers itself carry their template here, so metrics do not call them
// unmatched.
const routeTemplate = Symbol('rampart.route')
type MarkedRequest = Request & { [routeTemplate]?: string }

/**
 * The route template of a request: the mount path plus the matched route's path.
 * TODO(#6): a router mounted on a path with parameters (`app.use('/users/:id', router)`)
 * contributes its concrete `baseUrl`, not its template; Express does not keep the latter.
 */
function routeOf(request: MarkedRequest): string {
  const marked = request[routeTemplate]
  if (marked !== undefined) return marked
  const path: unknown = (request.route as { path?: unknown } | undefined)?.path
  if (typeof path !== 'string') return unmatchedRoute
  return `${request.baseUrl ?? ''}${path}` || '/'
}

function sendRefusal(response: Response, refusal: RequestRefusal): void {
  const problem = refusal.toProblem(currentContext()?.requestId)
  response.status(refusal.status)
  for (const [name, value] of Object.entries(refusal.headers)) response.setHeader(name, value)
  response.setHeader('content-type', problemContentType)
  response.end(JSON.stringify(problem))
}

export interface AuthorizeOptions {
  /** Loads the resource's id and attributes (owner, department) for conditions. */
  readonly load?: (request: Request) => Promise<ResourceDescription | undefined>
}

export interface RateLimitOptions extends RateLimitSettings {
  /** Whom a request counts against: the caller's subject, or the client IP, by default. */
  readonly key?: (request: Request) => string
}

export interface HealthOptions {
  /** Serve `/metrics` too (default true). */
  readonly metrics?: boolean
}

/** Rampart for an Express 5 application; see `createRampart`. */
export class ExpressRampart extends RampartCore {
  /**
   * Request ids (the caller's valid `X-Request-Id` or a new one, echoed in the response),
   * W3C trace context, RED metrics, a span when tracing is on, and one log line per request.
   * Mount it first.
   */
  observe(): RequestHandler {
    return (request, response, next) => {
      const observed = this.observer.start(
        request.method,
        request.headers['x-request-id'],
        request.headers.traceparent,
      )
      const { requestId } = observed.context
      request.requestId = requestId
      request.log = this.logger
      response.setHeader('x-request-id', requestId)
      const finish = () =>
        observed.finish(routeOf(request), response.statusCode, request.originalUrl)
      response.once('finish', finish)
      response.once('close', finish)
      runWithContext(observed.context, next)
    }
  }

  /**
   * Requires a valid bearer access token and sets `req.auth`; refuses with 401 (or 400 for a
   * malformed header) and an RFC 6750 challenge otherwise. With `optional`, a request
   * without a token passes with `req.auth` unset, while a bad token is still refused.
   */
  authenticate(options: { optional?: boolean } = {}): RequestHandler {
    const optional = options.optional ?? false
    return (request, response, next) => {
      const cached = this.authenticator.cached(request.headers.authorization)
      if (cached !== undefined) {
        request.auth = cached
        return next()
      }
      this.authenticator.authenticate(request.headers.authorization, optional).then(
        (auth) => {
          if (auth !== undefined) request.auth = auth
          next()
        },
        (error: unknown) => (isRefusal(error) ? sendRefusal(response, error) : next(error)),
      )
    }
  }

  /**
   * Allows the request only when the authenticated caller holds `resource:action`
   * (conditions see what `load` returns); 403 problem+json naming the missing permission
   * otherwise, 503 when no decision can be had (never allows by default).
   */
  authorize(resource: string, action: string, options: AuthorizeOptions = {}): RequestHandler {
    const load = options.load
    this.authorizer.prepare(resource, action)
    return (request, response, next) => {
      // Without a loader, a decision from the snapshot needs no promise.
      if (load === undefined) {
        try {
          if (this.authorizer.decideNow(request.auth, resource, action, undefined)) return next()
        } catch (error) {
          return isRefusal(error) ? sendRefusal(response, error) : next(error)
        }
      }
      const decide = async () => {
        const described = load === undefined ? undefined : await load(request)
        await this.authorizer.authorize(request.auth, resource, action, described)
      }
      decide().then(
        () => next(),
        (error: unknown) => (isRefusal(error) ? sendRefusal(response, error) : next(error)),
      )
    }
  }

  /**
   * Refuses a key's requests beyond `points` per `duration` seconds with 429 problem+json and
   * `Retry-After`; counters in memory, or in Redis when a client is given.
   * @example app.post('/login', rampart.rateLimit({ points: 10, duration: 60 }), handler)
   */
  rateLimit(options: RateLimitOptions): RequestHandler {
    const limit = new RateLimit(options, this.logger)
    const keyOf =
      options.key ??
      ((request: Request) =>
        request.auth === undefined
          ? `ip:${request.ip ?? 'unknown'}`
          : `sub:${request.auth.subject}`)
    return (request, response, next) => {
      limit.consume(keyOf(request)).then(
        (headers) => {
          for (const [name, value] of Object.entries(headers)) response.setHeader(name, value)
          next()
        },
        (error: unknown) => (isRefusal(error) ? sendRefusal(response, error) : next(error)),
      )
    }
  }

  /** `GET /healthz`, `GET /readyz` (registered checks) and `GET /metrics`. */
  health(options: HealthOptions = {}): RequestHandler {
    const serveMetrics = options.metrics ?? true
    return (request: MarkedRequest, response: Response, next: NextFunction) => {
      if (request.method !== 'GET' && request.method !== 'HEAD') return next()
      const path = request.path
      if (path === '/healthz') {
        request[routeTemplate] = path
        response.setHeader('cache-control', 'no-store')
        response.json({ status: 'ok' })
      } else if (path === '/readyz') {
        request[routeTemplate] = path
        this.healthChecks.readiness().then((readiness) => {
          response.setHeader('cache-control', 'no-store')
          response.status(readiness.httpStatus).json(readinessBody(readiness))
        }, next)
      } else if (path === '/metrics' && serveMetrics) {
        request[routeTemplate] = path
        this.metrics.exposition().then(({ contentType, body }) => {
          response.setHeader('content-type', contentType)
          response.end(body)
        }, next)
      } else next()
    }
  }
}

/** Creates Rampart's SDK for an Express 5 service. Throws on invalid options. */
export function createRampart(options: RampartOptions): ExpressRampart {
  return new ExpressRampart(options)
}

export type { RampartAuth } from '../auth/types.js'
export type { RampartOptions } from '../options.js'
