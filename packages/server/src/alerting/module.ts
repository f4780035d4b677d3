/**
 * Alerting: evaluates Prometheus rule files and the rule groups put through the API (stored
 * in the database) on the lease holder, keeps alert state in the database, routes alerts
 * Alertmanager-style (grouping, inhibition, silences, time intervals) and delivers
 * notifications through the durable jobs queue.
 */
import type { MetricStore } from '@rampart/promql'
import type { FastifyInstance } from 'fastify'
import type { AuditEventInput } from '../audit/event.js'
import type { AuditEvents } from '../audit/module.js'
import { remoteHeaders, remoteWriteUrl } from '../metrics/remote-headers.js'
import { ConfigurationError } from '../platform/errors.js'
import type { LeaseGrant } from '../platform/jobs/lease.js'
import { SingletonLoop } from '../platform/jobs/singleton-loop.js'
import type { PlatformDeps, RampartModule } from '../platform/module.js'
import type { AlertTransition } from './evaluation/rule-manager.js'
import { RuleManager } from './evaluation/rule-manager.js'
import type { RuleBackend } from './evaluation/rule-querier.js'
import { embeddedBackend, remoteBackend } from './evaluation/rule-querier.js'
import { RuleWriteBatch } from './evaluation/rule-write-batch.js'
import { readGroupViews } from './evaluation/stored-group-state.js'
import { registerAlertmanagerRoutes } from './http/alertmanager-routes.js'
import { readToken, requireBearer } from './http/bearer.js'
import { registerPrometheusRuleRoutes } from './http/prometheus-routes.js'
import { registerRuleGroupApi } from './http/rule-group-routes.js'
import { registerAlertingApi } from './http/v1-routes.js'
import type { AttemptRecord } from './notify/delivery.js'
import { createDeliveryHandler } from './notify/delivery.js'
import { AlertStore } from './routing/alert-store.js'
import type { FlushOutcome } from './routing/dispatcher.js'
import { Dispatcher, notifyJobKind } from './routing/dispatcher.js'
import { buildRouteTree } from './routing/route-tree.js'
import { ApiRuleGroups } from './rules/api-rule-groups.js'
import { loadRuleFiles } from './rules/parse-rule-file.js'
import { expandRuleFilePaths } from './rules/rule-file-paths.js'
import type { RuleGroup } from './rules/rule-file.js'
import { RuleFileError } from './rules/rule-file.js'
import { RuleGroupStore } from './rules/rule-group-store.js'
import type { SilenceChange } from './silences/silence-store.js'
import { SilenceStore } from './silences/silence-store.js'
import { alertingDb } from './store/tables.js'
import type { LoadedSlos } from './slo/slo-rules.js'
import { loadSlos } from './slo/slo-rules.js'
import { registerSloApi } from './http/slo-routes.js'

export interface AlertingModule extends RampartModule {
  readonly rules: RuleManager
  readonly dispatcher: Dispatcher
  readonly silences: SilenceStore
  /** Re-reads the rule files; a bad file leaves the running rules as they were. */
  reloadRules(): Promise<void>
  /** One iteration of the evaluation and dispatch loop, if this process holds the lease. */
  runOnce(): Promise<boolean>
  /**
   * Resolves when the deliveries started by the last iteration have finished and its rule
   * results have been written to a remote backend.
   */
  idle(): Promise<void>
}

export interface AlertingServices {
  readonly metricStore: MetricStore | undefined
  readonly events: AuditEvents
}

const loopName = 'alerting'
const systemActor = { type: 'system', id: 'alerting' } as const

export function createAlertingModule(
  deps: PlatformDeps,
  services: AlertingServices,
): AlertingModule {
  const config = deps.config.alerting
  const db = alertingDb(deps.store.db)
  const { logger, clock } = deps
  // Links in notifications must work for their readers: the public URL before the listen
  // address, which is often a loopback or container address behind a proxy.
  const { host, port, public_url: publicUrl } = deps.config.server
  const listenUrl = `http://${host}:${port}`
  // Without the trailing slash, as Prometheus keeps it, so paths can be appended.
  const externalUrl = (config.external_url ?? publicUrl ?? listenUrl).replace(/\/+$/, '')
  const limits = {
    lookbackDeltaMs: deps.config.metrics.query.lookback_delta,
    maxSamples: deps.config.metrics.query.max_samples,
    timeoutMs: deps.config.metrics.query.timeout,
  }
  // Without an embedded store the metrics live on the remote backend: rules query it and
  // write their results back to it.
  let writeBatch: RuleWriteBatch | undefined
  let backend: RuleBackend
  if (services.metricStore === undefined) {
    writeBatch = new RuleWriteBatch({
      target: {
        url: remoteWriteUrl(deps.config.metrics),
        headers: remoteHeaders(deps.config.metrics),
        // Prometheus's own remote_timeout default.
        timeoutMs: 30_000,
      },
      logger,
      clock,
      registry: deps.metrics.registry,
    })
    backend = remoteBackend({
      baseUrl: deps.config.metrics.remote_url ?? '',
      headers: remoteHeaders(deps.config.metrics),
      limits,
      writeBatch,
    })
  } else {
    backend = embeddedBackend(services.metricStore, limits)
  }

  const audit = async (event: Omit<AuditEventInput, 'occurredAt'>): Promise<void> => {
    try {
      await services.events.append({ ...event, occurredAt: new Date(clock.now()).toISOString() })
    } catch (error) {
      logger.error({ err: error, type: event.type }, 'alerting audit event not recorded')
    }
  }
  const auditTransitions = async (transitions: AlertTransition[]): Promise<void> => {
    for (const transition of transitions) {
      await audit({
        type: 'alerting.alert.state_changed',
        actor: systemActor,
        target: { type: 'alert', id: transition.fingerprint, name: transition.alertname },
        action: transition.to,
        outcome: { status: 'success' },
        fields: {
          from: transition.from,
          to: transition.to,
          labels: JSON.stringify(transition.labels),
        },
      })
    }
  }
  const auditSilence = (change: SilenceChange): Promise<void> =>
    audit({
      type: `alerting.silence.${change.action === 'expire' ? 'expired' : `${change.action}d`}`,
      actor: { type: 'user', name: change.silence.createdBy.slice(0, 200) },
      target: { type: 'silence', id: change.silence.id },
      action: change.action,
      outcome: { status: 'success' },
      fields: {
        matchers: JSON.stringify(change.silence.matchers),
        startsAt: new Date(change.silence.startsAtMs).toISOString(),
        endsAt: new Date(change.silence.endsAtMs).toISOString(),
        comment: change.silence.comment.slice(0, 500),
      },
    })
  const auditAttempt = (record: AttemptRecord): Promise<void> =>
    audit({
      type: 'alerting.notification.attempted',
      actor: systemActor,
      target: { type: 'notification', id: record.notificationId, name: record.receiver },
      action: 'deliver',
      outcome:
        record.outcome === 'delivered'
          ? { status: 'success' }
          : { status: 'failure', reason: (record.error ?? '').slice(0, 200) },
      fields: {
        attempt: record.attempt,
        result: record.outcome,
        ...(record.statusCode === undefined ? {} : { statusCode: record.statusCode }),
      },
    })

  const alertStore = new AlertStore(db, clock)
  const silences = new SilenceStore(db, clock, auditSilence)
  const route = buildRouteTree(
    config.route ?? {
      continue: false,
      matchers: [],
      match: {},
      match_re: {},
      mute_time_intervals: [],
      active_time_intervals: [],
      routes: [],
    },
  )
  const dispatcher = new Dispatcher({
    db,
    clock,
    logger,
    jobs: deps.jobs,
    config,
    route,
    alerts: alertStore,
    activeSilences: () => silences.active(),
    externalUrl,
  })
  const rules = new RuleManager({
    db,
    clock,
    logger,
    backend,
    defaultIntervalMs: config.evaluation_interval,
    outageToleranceMs: config.outage_tolerance,
    context: { externalLabels: config.external_labels, externalUrl },
    externalUrl,
    onAlerts: (alerts) => alertStore.upsert(alerts, 'rule'),
    onTransitions: auditTransitions,
  })

  const ruleFiles = (): string[] => expandRuleFilePaths(config.rule_files, process.cwd())
  const sloFiles = (): string[] => expandRuleFilePaths(deps.config.slos.files, process.cwd())
  const ruleGroupStore = new RuleGroupStore(db, clock)
  const apiGroups = new ApiRuleGroups(
    ruleGroupStore,
    { nameValidation: config.name_validation },
    logger,
  )
  // The groups of rule files and SLOs, then those put through the API.
  let fileGroups: RuleGroup[]
  const applyRules = (): void => rules.load([...fileGroups, ...apiGroups.groups])
  let slos: LoadedSlos
  try {
    slos = loadSlos(sloFiles(), deps.config.slos.alert_windows_file)
  } catch (error) {
    throw new ConfigurationError(`slos: ${(error as Error).message}`, { cause: error })
  }
  try {
    fileGroups = [
      ...loadRuleFiles(ruleFiles(), { nameValidation: config.name_validation }),
      ...slos.groups,
    ]
    applyRules()
  } catch (error) {
    if (!(error instanceof RuleFileError)) throw error
    throw new ConfigurationError(`alerting.rule_files: ${error.message}`, { cause: error })
  }
  const refreshApiGroups = async (): Promise<void> => {
    if (await apiGroups.refresh()) applyRules()
  }
  // Loading groups while an evaluation runs would hand the new runners a state one
  // evaluation old: evaluations and loads of API groups take turns.
  let turn: Promise<unknown> = Promise.resolve()
  const serially = <T>(work: () => Promise<T>): Promise<T> => {
    const result = turn.then(work)
    turn = result.catch(() => undefined)
    return result
  }

  deps.worker.handle(
    notifyJobKind,
    createDeliveryHandler({
      db,
      clock,
      logger,
      receivers: () => config.receivers,
      onAttempt: auditAttempt,
    }),
  )

  let epoch: number | undefined
  let delivering: Promise<unknown> = Promise.resolve()
  const tick = async (grant: LeaseGrant): Promise<void> => {
    await serially(async () => {
      // A lease taken over (from another replica, or back after losing it) means the state
      // in memory may be stale: reload it from the database before evaluating.
      if (epoch !== grant.epoch) rules.resetRestored()
      epoch = grant.epoch
      await refreshApiGroups()
      await rules.evaluateDue()
    })
    const outcomes: FlushOutcome[] = config.route === undefined ? [] : await dispatcher.tick()
    if (outcomes.some((outcome) => outcome.outcome === 'notified')) {
      // Deliver at once rather than at the worker's next poll.
      delivering = deps.worker
        .runDue()
        .catch((error: unknown) => logger.warn({ err: error }, 'delivery failed'))
    }
  }
  const loop = new SingletonLoop({
    name: loopName,
    holder: deps.instanceId,
    leases: deps.leases,
    intervalMs: config.dispatch_interval_ms,
    leaseTtlMs: Math.max(deps.config.jobs.lease_ttl_ms, config.dispatch_interval_ms * 3),
    logger,
    tick,
  })

  const reloadFiles = (): void => {
    const next = loadSlos(sloFiles(), deps.config.slos.alert_windows_file)
    fileGroups = [
      ...loadRuleFiles(ruleFiles(), { nameValidation: config.name_validation }),
      ...next.groups,
    ]
    applyRules()
    slos = next
    logger.info({ groups: rules.groups.length }, 'rule files loaded')
  }
  const reloadRules = (): Promise<void> =>
    serially(() => {
      reloadFiles()
      return Promise.resolve()
    })

  return {
    name: 'alerting',
    rules,
    dispatcher,
    silences,
    reloadRules,
    runOnce: () => loop.runOnce(),
    idle: async () => {
      await delivering
      await writeBatch?.idle()
    },
    registerRoutes: async (server: FastifyInstance) => {
      const metricsToken = readToken(
        deps.config.metrics.api_token,
        deps.config.metrics.api_token_file,
      )
      const alertingToken = readToken(config.api_token, config.api_token_file)
      await server.register(
        (scope) => {
          requireBearer(scope, metricsToken, 'metrics API')
          registerPrometheusRuleRoutes(scope, async () => {
            await serially(refreshApiGroups)
            return readGroupViews(db, rules.groups)
          })
          return Promise.resolve()
        },
        { prefix: '/prometheus/api/v1' },
      )
      await server.register(
        (scope) => {
          requireBearer(scope, alertingToken, 'Alertmanager API')
          registerAlertmanagerRoutes(scope, {
            silences,
            alerts: alertStore,
            clock,
            config,
            route,
            startedAtMs: clock.now(),
            onAlertsPosted: () => undefined,
          })
          return Promise.resolve()
        },
        { prefix: '/alertmanager/api/v2' },
      )
      await server.register(
        (scope) => {
          requireBearer(scope, alertingToken, 'alerting API')
          registerAlertingApi(scope, { db, reloadRules })
          registerRuleGroupApi(scope, {
            store: ruleGroupStore,
            groups: apiGroups,
            apply: () => serially(refreshApiGroups),
            events: services.events,
            clock,
          })
          return Promise.resolve()
        },
        { prefix: '/v1/alerting' },
      )
      await server.register(
        (scope) => {
          requireBearer(scope, alertingToken, 'SLO API')
          registerSloApi(scope, { slos: () => slos, backend, clock })
          return Promise.resolve()
        },
        { prefix: '/v1/slos' },
      )
    },
    start: () => {
      loop.start()
      return Promise.resolve()
    },
    stop: () => loop.stop(),
  }
}
