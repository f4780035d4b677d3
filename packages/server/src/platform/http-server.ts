import swagger from '@fastify/swagger'
import Fastify, { LogController } from 'fastify'
import type { FastifyBaseLogger, FastifyInstance } from 'fastify'
import { securityHeaders } from './security-headers.js'
import { handleError, handleNotFound, writeClientError } from './error-handler.js'
import { RampartError } from './errors.js'
import type { Logger } from './logger.js'
import { requestIdFor, traceContextFor } from './request-context.js'
import type { SelfMetrics } from './self-metrics.js'
import { unmatchedRoute } from './self-metrics.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** W3C trace id of this request: the caller's, or a new one. */
    traceId: string
  }
}

export interface HttpServerOptions {
  readonly logger: Logger
  readonly metrics: SelfMetrics
  readonly bodyLimitBytes: number
  readonly trustProxy: boolean
  readonly version: string
}

/**
 * Longest raw path parameter the router takes: ids go up to 200 characters (binding, grant
 * and group ids, rule group names; role names 128), three times that when percent-encoded.
 */
const MAX_PARAM_LENGTH = 600

/**
 * The Fastify instance every module mounts its routes on, with the platform's request
 * pipeline: request id, trace context, one completion log line, RED metrics, security
 * headers, problem+json errors and the OpenAPI document.
 */
export async function createHttpServer(options: HttpServerOptions): Promise<FastifyInstance> {
  // Typed as Fastify's logger interface so every module sees the default instance type.
  const loggerInstance: FastifyBaseLogger = options.logger
  const server = Fastify({
    loggerInstance,
    // One completion line per request, written below, instead of Fastify's two.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'requestId',
    }),
    requestIdHeader: false,
    genReqId: requestIdFor,
    bodyLimit: options.bodyLimitBytes,
    // The router refuses longer path parameters before the route's schema sees them, with
    // a generic answer; this fits the longest id a schema allows, percent-encoded.
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    trustProxy: options.trustProxy,
    forceCloseConnections: 'idle',
    // Requests on kept-alive connections while draining get a problem+json 503 below.
    return503OnClosing: false,
    frameworkErrors: (error, request, reply) => {
      handleError(error, request, reply)
    },
    clientErrorHandler: writeClientError,
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false } },
  })

  const headers = securityHeaders()
  let closing = false
  server.addHook('preClose', (done) => {
    closing = true
    done()
  })
  server.decorateRequest('traceId', '')
  server.addHook('onRequest', (request, reply, done) => {
    options.metrics.requestStarted()
    if (closing) {
      void reply.header('connection', 'close')
      done(new RampartError('service_unavailable', 'the server is shutting down'))
      return
    }
    request.traceId = traceContextFor(request.headers.traceparent).traceId
    void reply.headers(headers).header('x-request-id', request.id)
    done()
  })
  server.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? unmatchedRoute
    const durationMs = reply.elapsedTime
    options.metrics.requestFinished(request.method, route, reply.statusCode, durationMs / 1000)
    request.log.info(
      {
        traceId: request.traceId,
        method: request.method,
        route,
        statusCode: reply.statusCode,
        durationMs: Math.round(durationMs * 1000) / 1000,
      },
      'request completed',
    )
    done()
  })

  server.setErrorHandler(handleError)
  server.setNotFoundHandler(handleNotFound)
  // The API takes JSON; a text/plain body must be refused, not parsed as a string.
  server.removeContentTypeParser('text/plain')

  await server.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Rampart API',
        version: options.version,
        description: 'Security and monitoring platform. Errors are RFC 9457 problem+json.',
      },
      components: {
        securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
      },
    },
  })
  server.get('/openapi.json', { schema: { hide: true } }, () => server.swagger())

  return server
}
