import type { Logger } from './logger.js'
import type { ServiceMetrics } from './metrics.js'
import type { Tracing } from './tracing.js'
import type { RequestContext } from './context.js'
import { parseTraceparent, requestIdFrom, runWithContext } from './context.js'

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

/**
 * The framework-neutral half of `observe()`: request id, trace context, RED metrics, the
 * request span and the one log line per request. The Express and Fastify adapters call
 * `start` when a request arrives and `finish` when its response is done.
 */
export class RequestObserver {
  readonly #metrics: ServiceMetrics
  readonly #tracing: Tracing
  readonly #logger: Logger
  readonly #logRequests: boolean

  constructor(
    metrics: ServiceMetrics,
    tracing: Tracing,
    logger: Logger,
    options: RequestObserverOptions = {},
  ) {
    this.#metrics = metrics
    this.#tracing = tracing
    this.#logger = logger
    this.#logRequests = options.logRequests ?? true
  }

  start(
    method: string,
    requestIdHeader: string | string[] | undefined,
    traceparentHeader: string | string[] | undefined,
  ): ObservedRequest {
    const startedAt = performance.now()
    const incoming = parseTraceparent(traceparentHeader)
    const span = this.#tracing.startRequest(method, incoming)
    const context: RequestContext = {
      requestId: requestIdFrom(requestIdHeader),
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: span.traceFlags,
      parentSpanId: incoming?.parentSpanId,
    }
    this.#metrics.requestStarted()

    let finished = false
    const finish = (route: string, statusCode: number, path: string): void => {
      if (finished) return
      finished = true
      const seconds = (performance.now() - startedAt) / 1000
      this.#metrics.requestFinished(method, route, statusCode, seconds)
      span.end(route, statusCode)
      if (this.#logRequests) {
        runWithContext(context, () => this.#logCompletion(method, route, path, statusCode, seconds))
      }
    }
    return { context, finish }
  }

  #logCompletion(
    method: string,
    route: string,
    path: string,
    statusCode: number,
    seconds: number,
  ): void {
    const fields = {
      method,
      route,
      path: path.split('?', 1)[0],
      statusCode,
      durationMs: Math.round(seconds * 1e6) / 1000,
    }
    // Level by who is at fault: the service for a 5xx, the client (info) for a 4xx.
    if (statusCode >= 500) this.#logger.error(fields, 'request completed')
    else this.#logger.info(fields, 'request completed')
  }
}
