import type { Counter, Histogram } from 'prom-client'
import { Authorizer } from './access/authorizer.js'
import { LocalDecider } from './access/local-decider.js'
import { SnapshotSync } from './access/snapshot-sync.js'
import { RemoteDecider } from './access/remote-decider.js'
import { AuditEmitter } from './audit/emitter.js'
import type { AuditEvent, DataAccess } from './audit/types.js'
import { Authenticator } from './auth/authenticator.js'
import { Discovery } from './auth/discovery.js'
import { ServiceCredentials } from './auth/service-credentials.js'
import { ConfigurationError } from './errors.js'
import type { HealthCheck } from './health/checks.js'
import { HealthChecks } from './health/checks.js'
import { currentContext, formatTraceparent } from './observe/context.js'
import type { Logger } from './observe/logger.js'
import { createLogger } from './observe/logger.js'
import type { CounterOptions, HistogramOptions } from './observe/metrics.js'
import { ServiceMetrics } from './observe/metrics.js'
import { RequestObserver } from './observe/request-observer.js'
import { ThrottledLog } from './observe/throttled-log.js'
import type { Tracing } from './observe/tracing.js'
import { createTracing } from './observe/tracing.js'
import type { RampartOptions, ResolvedOptions } from './options.js'
import { resolveOptions } from './options.js'

function isLogger(value: RampartOptions['logger']): value is Logger {
  return value !== undefined && typeof (value as Logger).child === 'function'
}

/**
 * The framework-neutral part of the SDK: one per service. The Express and Fastify adapters
 * wrap it; services reach it for logging, business metrics, query timing, trace headers of
 * outgoing calls and health checks.
 */
export class RampartCore {
  readonly options: ResolvedOptions
  readonly logger: Logger
  readonly metrics: ServiceMetrics
  readonly tracing: Tracing
  readonly observer: RequestObserver
  readonly healthChecks: HealthChecks
  readonly authenticator: Authenticator
  readonly authorizer: Authorizer
  readonly #auditEmitter: AuditEmitter | undefined

  constructor(options: RampartOptions) {
    const resolved = resolveOptions(options)
    this.options = resolved
    const loggerOption = options.logger
    this.logger = isLogger(loggerOption)
      ? loggerOption
      : createLogger({ service: resolved.service, ...loggerOption })
    this.metrics = new ServiceMetrics({ defaultMetrics: options.defaultMetrics ?? true })
    this.tracing = createTracing(resolved.service, options.env ?? process.env)
    this.observer = new RequestObserver(this.metrics, this.tracing, this.logger, {
      logRequests: options.logRequests ?? true,
    })
    this.healthChecks = new HealthChecks(this.logger)
    const discovery = new Discovery({
      issuer: resolved.issuer,
      timeoutMs: resolved.timeoutMs,
      retryAfterMs: 1_000,
      now: resolved.now,
    })
    const throttledLog = new ThrottledLog(this.logger, resolved.degradedLogIntervalMs, resolved.now)
    this.authenticator = new Authenticator({
      ...resolved,
      realm: resolved.service,
      logger: this.logger,
      throttledLog,
      discovery,
    })
    const credentials = options.credentials
    const serviceCredentials =
      credentials === undefined
        ? undefined
        : new ServiceCredentials({
            clientId: credentials.clientId,
            clientSecret: credentials.clientSecret,
            scope: credentials.scope,
            resource: credentials.resource,
            tokenEndpoint: credentials.tokenEndpoint,
            discovery,
            timeoutMs: resolved.timeoutMs,
            now: resolved.now,
          })
    // A given serviceToken is what the access API expects; credentials then only ask for
    // introspection and revocation status, and their client may hold no access role.
    const serviceToken =
      options.serviceToken ??
      (serviceCredentials === undefined ? undefined : () => serviceCredentials.token())
    this.authorizer = new Authorizer({
      remote: new RemoteDecider({ url: resolved.url, timeoutMs: resolved.timeoutMs, serviceToken }),
      local: this.#localDecisions(serviceToken, throttledLog),
      logger: this.logger,
      throttledLog,
      metrics: this.metrics,
      realm: resolved.service,
    })
    this.#auditEmitter =
      resolved.audit === undefined
        ? undefined
        : new AuditEmitter({
            ...resolved.audit,
            url: resolved.url,
            timeoutMs: resolved.timeoutMs,
            logger: this.logger,
          })
  }

  #localDecisions(
    serviceToken: (() => Promise<string | undefined>) | undefined,
    throttledLog: ThrottledLog,
  ) {
    const { access, url, timeoutMs, now } = this.options
    if (!access.localSnapshot) return undefined
    const sync = new SnapshotSync({
      url,
      serviceToken,
      waitMs: access.snapshotWaitMs,
      timeoutMs,
      minBackoffMs: 500,
      maxBackoffMs: access.maxBackoffMs,
      now,
      onError: (error) => throttledLog.log('warn', { err: error }, 'policy snapshot fetch failed'),
      onVersion: (version) => {
        this.metrics.policyVersionChanged(version)
        this.logger.debug({ policyVersion: version }, 'policy snapshot updated')
      },
    })
    return { sync, decider: new LocalDecider(sync, access.maxStalenessMs, now) }
  }

  /**
   * Records an event in Rampart's audit log: queued at once, delivered in batches, kept on
   * disk while Rampart is unreachable. Request and trace ids come from the current request.
   * @example
   * rampart.audit({ type: 'order.refunded', action: 'refund', outcome: { status: 'success' } })
   */
  audit(event: AuditEvent): void {
    if (this.#auditEmitter === undefined) {
      throw new ConfigurationError('rampart.audit() needs the audit option of createRampart')
    }
    const context = currentContext()
    this.#auditEmitter.record({
      ...event,
      actor: event.actor ?? { type: 'service', id: this.options.service },
      occurredAt: event.occurredAt ?? new Date(this.options.now()).toISOString(),
      requestId: context?.requestId,
      traceId: context?.traceId,
    })
  }

  /**
   * Records a data-access event (`data.accessed`): which class of data, how many records,
   * what was done and why.
   */
  dataAccess(access: DataAccess): void {
    this.audit({
      type: 'data.accessed',
      action: access.operation,
      outcome: { status: 'success' },
      dataClasses: [access.dataClass],
      fields: { recordCount: access.recordCount, purpose: access.purpose },
      ...(access.actor === undefined ? {} : { actor: access.actor }),
      ...(access.target === undefined ? {} : { target: access.target }),
    })
  }

  /** Sends the audit events queued so far (tests and batch jobs call this). */
  async flushAudit(): Promise<void> {
    await this.#auditEmitter?.flush()
  }

  /** A business counter in the service's registry (same name, same counter). */
  counter<Label extends string = never>(options: CounterOptions<Label>): Counter<Label> {
    return this.metrics.counter(options)
  }

  /** A business histogram in the service's registry (same name, same histogram). */
  histogram<Label extends string = never>(options: HistogramOptions<Label>): Histogram<Label> {
    return this.metrics.histogram(options)
  }

  /**
   * Runs a database query and records its duration in `db_query_duration_seconds` by
   * `kind` (select, insert...), `table` and outcome, and as a span when tracing is on.
   * @example const rows = await rampart.timeQuery('select', 'orders', () => db.all(sql))
   */
  async timeQuery<T>(kind: string, table: string, query: () => Promise<T> | T): Promise<T> {
    const started = performance.now()
    const span = this.tracing.startWork(`${kind} ${table}`, {
      'db.operation.name': kind,
      'db.collection.name': table,
    })
    try {
      const result = await query()
      this.metrics.queryFinished(kind, table, 'ok', (performance.now() - started) / 1000)
      span.end()
      return result
    } catch (error) {
      this.metrics.queryFinished(kind, table, 'error', (performance.now() - started) / 1000)
      span.end(error)
      throw error
    }
  }

  /**
   * Headers that carry the current request's trace and request id to an outgoing call;
   * empty outside a request.
   * @example await fetch(url, { headers: { ...rampart.traceHeaders() } })
   */
  traceHeaders(): Record<string, string> {
    const context = currentContext()
    if (context === undefined) return {}
    return { traceparent: formatTraceparent(context), 'x-request-id': context.requestId }
  }

  /** Registers a dependency check for `/readyz`. */
  addCheck(check: HealthCheck): void {
    this.healthChecks.add(check)
  }

  /** From now on `/readyz` answers 503, so load balancers stop sending new traffic. */
  drain(): void {
    this.healthChecks.drain()
  }

  /** Marks the service not ready and flushes pending spans; call last on shutdown. */
  async close(): Promise<void> {
    this.healthChecks.drain()
    this.authorizer.close()
    await this.#auditEmitter?.close()
    await this.tracing.shutdown()
  }
}
