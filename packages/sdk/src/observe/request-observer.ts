import type { Logger } from './logger.js'
import type { ServiceMetrics } from './metrics.js'
import type { RequestSpan, Tracing } from './tracing.js'
import type { RequestContext } from './context.js'
import { parseTraceparent, requestIdFrom } from './context.js'

/** One request from its first byte to its response, as the framework adapters see it. */
export interface ObservedRequest {
  readonly context: RequestContext
  /** Records the request's metrics, span and completion log line; call exactly once. */
  finish(route: string, statusCode: number, path: string): void
}

export interface RequestObserverOptions {
  /** Write one `request completed` line per request (default true). */
  readonly logRequests?: boolean
}

/** Where an observed request reports when it ends. */
interface ObserverParts {
  readonly metrics: ServiceMetrics
  readonly logger: Logger
  readonly logRequests: boolean
}

/**
 * One request being observed. A class rather than closures: one is made per request, on
 * the path every request takes.
 */
class Observation implements ObservedRequest {
  readonly context: RequestContext
  readonly #parts: ObserverParts
  readonly #method: string
  readonly #span: RequestSpan
  readonly #startedAt: number
  #finished = false

  constructor(parts: ObserverParts, method: string, span: RequestSpan, context: RequestContext) {
    this.#parts = parts
    this.#method = method
    this.#span = span
    this.context = context
    this.#startedAt = performance.now()
  }

  finish(route: string, statusCode: number, path: string): void {
    if (this.#finished) return
    this.#finished = true
    const seconds = (performance.now() - this.#startedAt) / 1000
    this.#parts.metrics.requestFinished(this.#method, route, statusCode, seconds)
    this.#span.end(route, statusCode)
    if (this.#parts.logRequests) this.#log(route, path, statusCode, seconds)
  }

  #log(route: string, path: string, statusCode: number, seconds: number): void {
    // The request's ids are given here rather than by entering its context again just for
    // this line (the logger's mixin adds nothing when no context is current).
    const { requestId, traceId, spanId } = this.context
    const fields = {
      requestId,
      traceId,
      spanId,
      method: this.#method,
      route,
      path: path.split('?', 1)[0],
      statusCode,
      durationMs: Math.round(seconds * 1e6) / 1000,
    }
    // Level by who is at fault: the service for a 5xx, the client (info) for a 4xx.
    const logger = this.#parts.logger
    if (statusCode >= 500) logger.error(fields, 'request completed')
    else logger.info(fields, 'request completed')
  }
}

/**
 * The framework-neutral half of `observe()`: request id, trace context, RED metrics, the
 * request span and the one log line per request. The Express and Fastify adapters call
 * `start` when a request arrives and `finish` when its response is done.
 */
export class RequestObserver {
  readonly #parts: ObserverParts
  readonly #tracing: Tracing

  constructor(
    metrics: ServiceMetrics,
    tracing: Tracing,
    logger: Logger,
    options: RequestObserverOptions = {},
  ) {
    this.#parts = { metrics, logger, logRequests: options.logRequests ?? true }
    this.#tracing = tracing
  }

  start(
    method: string,
    requestIdHeader: string | string[] | undefined,
    traceparentHeader: string | string[] | undefined,
  ): ObservedRequest {
    const incoming = parseTraceparent(traceparentHeader)
    const span = this.#tracing.startRequest(method, incoming)
    const context: RequestContext = {
      requestId: requestIdFrom(requestIdHeader),
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: span.traceFlags,
      parentSpanId: incoming?.parentSpanId,
    }
    this.#parts.metrics.requestStarted()
    return new Observation(this.#parts, method, span, context)
  }
}
