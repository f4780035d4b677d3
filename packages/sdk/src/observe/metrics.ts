import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import { ConfigurationError } from '../errors.js'

/** Route label for requests that matched no route, so raw URLs never become label values. */
export const unmatchedRoute = 'unmatched'

const requestBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const queryBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

export interface CounterOptions<Label extends string> {
  readonly name: string
  readonly help: string
  readonly labelNames?: readonly Label[]
}

export interface HistogramOptions<Label extends string> extends CounterOptions<Label> {
  /** Upper bounds in the metric's unit; prom-client's defaults when absent. */
  readonly buckets?: readonly number[]
}

/**
 * A service's Prometheus metrics: the RED metrics of its HTTP server under the conventional
 * names, process and runtime metrics (event-loop lag, heap, GC — what shows a memory leak),
 * database query timings, and any business metrics the service adds. Each instance has its
 * own registry, so two services in one process (as in tests) do not share counters.
 */
export class ServiceMetrics {
  readonly registry = new Registry()
  readonly #requestDuration: Histogram<'method' | 'route' | 'status_code'>
  readonly #inFlight: Gauge
  readonly #queryDuration: Histogram<'kind' | 'table' | 'outcome'>
  readonly #accessDecisions: Counter<'source' | 'outcome'>
  readonly #policyVersion: Gauge
  // Label children are looked up once per (method, route, status) instead of hashing the
  // label object on every request.
  readonly #durationChildren = new Map<string, Histogram.Internal<string>>()
  readonly #decisionChildren = new Map<string, Counter.Internal>()
  readonly #custom = new Map<string, Counter<string> | Histogram<string>>()

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 20 })
    }
    this.#requestDuration = new Histogram({
      name: 'http_request_duration_seconds',
      help: 'Duration of HTTP requests, by method, route template and status code.',
      labelNames: ['method', 'route', 'status_code'],
      buckets: requestBuckets,
      registers: [this.registry],
    })
    this.#inFlight = new Gauge({
      name: 'http_requests_in_flight',
      help: 'HTTP requests being handled right now.',
      registers: [this.registry],
    })
    this.#queryDuration = new Histogram({
      name: 'db_query_duration_seconds',
      help: 'Duration of database queries, by kind of statement, table and outcome.',
      labelNames: ['kind', 'table', 'outcome'],
      buckets: queryBuckets,
      registers: [this.registry],
    })
    this.#accessDecisions = new Counter({
      name: 'rampart_access_decisions_total',
      help: 'Access decisions, by source (local snapshot, remote check, none) and outcome.',
      labelNames: ['source', 'outcome'],
      registers: [this.registry],
    })
    this.#policyVersion = new Gauge({
      name: 'rampart_access_policy_version',
      help: 'Version of the policy snapshot local decisions use; 0 before the first.',
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

  queryFinished(kind: string, table: string, outcome: 'ok' | 'error', seconds: number): void {
    this.#queryDuration.labels(kind, table, outcome).observe(seconds)
  }

  accessDecided(
    source: 'local' | 'remote' | 'none',
    outcome: 'allowed' | 'denied' | 'unavailable',
  ): void {
    const key = `${source} ${outcome}`
    let child = this.#decisionChildren.get(key)
    if (child === undefined) {
      child = this.#accessDecisions.labels(source, outcome)
      this.#decisionChildren.set(key, child)
    }
    child.inc()
  }

  policyVersionChanged(version: number): void {
    this.#policyVersion.set(version)
  }

  /** A business counter; asking twice for one name returns the same counter. */
  counter<Label extends string = never>(options: CounterOptions<Label>): Counter<Label> {
    return this.#custom_('counter', options, () => {
      return new Counter({
        name: options.name,
        help: options.help,
        labelNames: options.labelNames ?? [],
        registers: [this.registry],
      })
    }) as Counter<Label>
  }

  /** A business histogram; asking twice for one name returns the same histogram. */
  histogram<Label extends string = never>(options: HistogramOptions<Label>): Histogram<Label> {
    return this.#custom_('histogram', options, () => {
      const settings = {
        name: options.name,
        help: options.help,
        labelNames: options.labelNames ?? [],
        registers: [this.registry],
      }
      return options.buckets === undefined
        ? new Histogram(settings)
        : new Histogram({ ...settings, buckets: [...options.buckets] })
    }) as Histogram<Label>
  }

  #custom_(
    type: 'counter' | 'histogram',
    options: CounterOptions<string>,
    create: () => Counter<string> | Histogram<string>,
  ): Counter<string> | Histogram<string> {
    const existing = this.#custom.get(options.name)
    if (existing !== undefined) {
      const existingType = existing instanceof Counter ? 'counter' : 'histogram'
      if (existingType !== type) {
        throw new ConfigurationError(`metric ${options.name} is already a ${existingType}`)
      }
      return existing
    }
    if (this.registry.getSingleMetric(options.name) !== undefined) {
      throw new ConfigurationError(`metric ${options.name} is one of the SDK's own metrics`)
    }
    const metric = create()
    this.#custom.set(options.name, metric)
    return metric
  }

  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() }
  }
}
