/**
 * `GET /prometheus/api/v1/rules` and `/alerts` in Prometheus's shapes, so Grafana and other
 * Prometheus clients list Rampart's rules and alerts. They answer from the state the lease
 * holder stores, so every replica answers alike.
 */
import type { FastifyInstance } from 'fastify'
import type { ActiveAlert } from '../evaluation/alert-state.js'
import type { RuleStatus } from '../evaluation/group-runner.js'
import type { RuleGroupView } from '../evaluation/stored-group-state.js'

/** Go's `strconv.FormatFloat(v, 'e', -1, 64)`, the way Prometheus prints alert values. */
export function formatAlertValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (!Number.isFinite(value)) return value > 0 ? '+Inf' : '-Inf'
  const [mantissa = '0', exponent = '0'] = value.toExponential().split('e')
  const number = Number(exponent)
  return `${mantissa}e${number < 0 ? '-' : '+'}${String(Math.abs(number)).padStart(2, '0')}`
}

const iso = (ms: number | undefined): string =>
  ms === undefined ? '0001-01-01T00:00:00Z' : new Date(ms).toISOString()

function alertJson(alert: ActiveAlert): Record<string, unknown> {
  return {
    labels: alert.labels,
    annotations: alert.annotations,
    state: alert.state,
    activeAt: iso(alert.activeAtMs),
    ...(alert.keepFiringSinceMs === undefined
      ? {}
      : { keepFiringSince: iso(alert.keepFiringSinceMs) }),
    value: formatAlertValue(alert.value),
  }
}

function activeAlerts(status: RuleStatus): ActiveAlert[] {
  return [...status.alerts.values()].filter((alert) => alert.state !== 'inactive')
}

function ruleJson(status: RuleStatus, withAlerts: boolean): Record<string, unknown> {
  const { rule } = status
  const common = {
    name: rule.name,
    query: rule.expr,
    labels: rule.labels,
    health: status.health,
    ...(status.lastError === undefined ? {} : { lastError: status.lastError }),
    evaluationTime: status.evaluationDurationMs / 1000,
    lastEvaluation: iso(status.lastEvaluationMs),
  }
  if (rule.kind === 'record') return { ...common, type: 'recording' }
  const alerts = activeAlerts(status)
  const state = alerts.some((alert) => alert.state === 'firing')
    ? 'firing'
    : alerts.length > 0
      ? 'pending'
      : 'inactive'
  return {
    state,
    ...common,
    duration: rule.forMs / 1000,
    keepFiringFor: rule.keepFiringForMs / 1000,
    annotations: rule.annotations,
    ...(withAlerts ? { alerts: alerts.map(alertJson) } : {}),
    type: 'alerting',
  }
}

function listParam(value: unknown): string[] {
  if (value === undefined) return []
  return Array.isArray(value) ? value.map(String) : typeof value === 'string' ? [value] : []
}

/** Registers the two routes on a scope prefixed with `/prometheus/api/v1`. */
export function registerPrometheusRuleRoutes(
  scope: FastifyInstance,
  groups: () => Promise<readonly RuleGroupView[]>,
): void {
  scope.get('/rules', async (request) => {
    const query = request.query as Record<string, unknown>
    const type = typeof query.type === 'string' ? query.type : undefined
    const withAlerts = query.exclude_alerts !== 'true'
    const names = new Set(listParam(query['rule_name[]']))
    const groupNames = new Set(listParam(query['rule_group[]']))
    const files = new Set(listParam(query['file[]']))
    const data = (await groups())
      .filter((runner) => groupNames.size === 0 || groupNames.has(runner.group.name))
      .filter((runner) => files.size === 0 || files.has(runner.group.file))
      .map((runner) => ({
        name: runner.group.name,
        file: runner.group.file,
        rules: runner.statuses
          .filter((status) => names.size === 0 || names.has(status.rule.name))
          .filter(
            (status) =>
              type === undefined ||
              (type === 'alert' ? status.rule.kind === 'alert' : status.rule.kind === 'record'),
          )
          .map((status) => ruleJson(status, withAlerts)),
        interval: runner.intervalMs / 1000,
        limit: runner.group.limit,
        evaluationTime: runner.evaluationDurationMs / 1000,
        lastEvaluation: iso(runner.lastEvaluationMs),
      }))
      .filter((group) => type === undefined || group.rules.length > 0)
    return { status: 'success', data: { groups: data } }
  })

  scope.get('/alerts', async () => {
    const alerts = (await groups()).flatMap((runner) =>
      runner.statuses.flatMap((status) => activeAlerts(status).map(alertJson)),
    )
    return { status: 'success', data: { alerts } }
  })
}
