import type { FastifyInstance } from 'fastify'
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

/** Route label for requests that matched no route, so raw URLs never become label values. */
export const unmatchedRoute = 'unmatched'

const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

/**
 * The platform's own Prometheus metrics: RED metrics of the HTTP server plus the process and
 * runtime metrics (event-loop lag, heap, GC) prom-client collects. Each app has its own
 * registry, so two apps in one process (as in tests) do not share counters.
 */
export class SelfMetrics {
  readonly registry = new Registry()
  readonly #requestDuration: Histogram<'method' | 'route' | 'status_code'>
  readonly #inFlight: Gauge
  // Label children are looked up once per (method, route, status) instead of hashing the
  // label object on every request.
  readonly #durationChildren = new Map<string, Histogram.Internal<string>>()

  constructor() {
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 })
    this.#requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests handled by Rampart, by route template.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: durationBuckets,
      registers: [this.registry],
    })
    this.#inFlight = new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being handled right now.',
      registers: [this.registry],
    })
  }

  requestStarted(): void {
    this.#inFlight.inc()
  }

  requestFinished(method: string, route: string, statusCode: number, seconds: number): void {
    this.#inFlight.dec()

    const key = `${method} ${statusCode} ${route}`
    let child = this.#durationChildren.get(key)
    if (child === undefined) {
      child = this.#requestDuration.labels(method, route, String(statusCode))
      this.#durationChildren.set(key, child)
    }
    child.observe(seconds)
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}

/** `GET /metrics`: the Prometheus text exposition of the platform's own metrics. */
export function registerMetricsRoute(server: FastifyInstance, metrics: SelfMetrics): void {
  server.get(
    '/metrics',
    {
      schema: {
        summary: 'Prometheus exposition of the platform itself',
        tags: ['platform'],
        produces: ['text/plain'],
      },
    },
    async (_request, reply) => {
      const { contentType, body } = await metrics.exposition()
      return reply.type(contentType).send(body)
    },
  )
}
