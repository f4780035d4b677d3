/**
 * Generates, from an SLO spec, the rule groups Sloth generates: SLI error-ratio recording
 * rules per window, metadata recording rules (objective, budget, burn rates, budget left)
 * and the page and ticket multi-window multi-burn-rate alerts.
 */
import { formatGoFloatG } from '../template/go-format.js'
import type { SloSpec, SlothSpec } from './spec.js'
import type { AlertWindows, BurnWindow } from './windows.js'
import { burnRateFactor, defaultAlertWindows } from './windows.js'

export interface GeneratedRule {
  readonly record?: string
  readonly alert?: string
  readonly expr: string
  readonly labels: Record<string, string>
  readonly annotations?: Record<string, string>
}

export interface GeneratedGroup {
  readonly name: string
  readonly rules: GeneratedRule[]
}

/** Durations as Sloth writes them in metric names and ranges: `5m`, `1h`, `30d`. */
export function formatWindow(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
  ] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${Math.round(ms / 1000)}s`
}

/** The identity of one SLO: `<service>-<slo>`. */
export function sloId(spec: SlothSpec, slo: SloSpec): string {
  return `${spec.service}-${slo.name}`
}

function sortedLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)))
}

function sliExpr(slo: SloSpec, window: string): string {
  const fill = (query: string): string => query.replaceAll('{{.window}}', window)
  if (slo.sli.raw !== undefined) return `(${fill(slo.sli.raw.errorRatioQuery)})\n`
  const events = slo.sli.events ?? { errorQuery: '', totalQuery: '' }
  return `(${fill(events.errorQuery)})\n/\n(${fill(events.totalQuery)})\n`
}

function uniqueWindows(windows: AlertWindows): number[] {
  const all = [windows.pageQuick, windows.pageSlow, windows.ticketQuick, windows.ticketSlow]
  const set = new Set([5 * 60_000, ...all.flatMap((item) => [item.shortMs, item.longMs])])
  return [...set].sort((a, b) => a - b)
}

/** The four rule groups of one SLO (three when its alerts are disabled). */
export function generateSloGroups(
  spec: SlothSpec,
  slo: SloSpec,
  windows: AlertWindows = defaultAlertWindows(),
  generator = { mode: 'rampart', version: 'dev' },
): GeneratedGroup[] {
  const id = sloId(spec, slo)
  const sloth = { sloth_id: id, sloth_service: spec.service, sloth_slo: slo.name }
  const selector = `{sloth_id="${id}", sloth_service="${spec.service}", sloth_slo="${slo.name}"}`
  const base = { ...spec.labels, ...slo.labels, ...sloth }
  const objective = slo.objective / 100
  const errorBudget = (100 - slo.objective) / 100
  const period = formatWindow(windows.periodMs)

  const sli: GeneratedRule[] = uniqueWindows(windows).map((ms) => ({
    record: `slo:sli_error:ratio_rate${formatWindow(ms)}`,
    expr: sliExpr(slo, formatWindow(ms)),
    labels: sortedLabels({ ...base, sloth_window: formatWindow(ms) }),
  }))
  sli.push({
    record: `slo:sli_error:ratio_rate${period}`,
    expr:
      `sum_over_time(slo:sli_error:ratio_rate5m${selector}[${period}])\n` +
      `/ ignoring (sloth_window)\n` +
      `count_over_time(slo:sli_error:ratio_rate5m${selector}[${period}])\n`,
    labels: sortedLabels({ ...base, sloth_window: period }),
  })

  const labels = sortedLabels(base)
  const burnRate = (ratio: string): string =>
    `${ratio}${selector}\n/ on(sloth_id, sloth_slo, sloth_service) group_left\n` +
    `slo:error_budget:ratio${selector}\n`
  const meta: GeneratedRule[] = [
    { record: 'slo:objective:ratio', expr: `vector(${formatGoFloatG(objective)})`, labels },
    {
      record: 'slo:error_budget:ratio',
      expr: `vector(1-${formatGoFloatG(objective)})`,
      labels,
    },
    {
      record: 'slo:time_period:days',
      expr: `vector(${formatGoFloatG(windows.periodMs / 86_400_000)})`,
      labels,
    },
    {
      record: 'slo:current_burn_rate:ratio',
      expr: burnRate('slo:sli_error:ratio_rate5m'),
      labels,
    },
    {
      record: 'slo:period_burn_rate:ratio',
      expr: burnRate(`slo:sli_error:ratio_rate${period}`),
      labels,
    },
    {
      record: 'slo:period_error_budget_remaining:ratio',
      expr: `1 - slo:period_burn_rate:ratio${selector}`,
      labels,
    },
    {
      record: 'sloth_slo_info',
      expr: 'vector(1)',
      labels: sortedLabels({
        ...base,
        sloth_mode: generator.mode,
        sloth_objective: formatGoFloatG(slo.objective),
        sloth_spec: 'prometheus/v1',
        sloth_version: generator.version,
      }),
    },
  ]

  const condition = (window: BurnWindow): string => {
    const speed = formatGoFloatG(burnRateFactor(window, windows.periodMs))
    const factor = `(${speed} * ${formatGoFloatG(errorBudget)})`
    const side = (ms: number): string =>
      `max(slo:sli_error:ratio_rate${formatWindow(ms)}${selector} > ${factor}) ` +
      'without (sloth_window)'
    return `(\n    ${side(window.shortMs)}\n    and\n    ${side(window.longMs)}\n)`
  }
  const alerts: GeneratedRule[] = []
  const { alerting } = slo
  const sloName = '{{$labels.sloth_service}} {{$labels.sloth_slo}}'
  for (const [severity, overrides, quick, slow] of [
    ['page', alerting.page_alert, windows.pageQuick, windows.pageSlow],
    ['ticket', alerting.ticket_alert, windows.ticketQuick, windows.ticketSlow],
  ] as const) {
    if (overrides.disable || alerting.name === undefined) continue
    alerts.push({
      alert: alerting.name,
      expr: `${condition(quick)}\nor\n${condition(slow)}\n`,
      labels: sortedLabels({ ...alerting.labels, ...overrides.labels, sloth_severity: severity }),
      annotations: sortedLabels({
        title: `(${severity}) ${sloName} SLO error budget burn rate is too fast.`,
        summary: `${sloName} SLO error budget burn rate is over expected.`,
        ...alerting.annotations,
        ...overrides.annotations,
      }),
    })
  }

  const groups = [
    { name: `sloth-slo-sli-recordings-${id}`, rules: sli },
    { name: `sloth-slo-meta-recordings-${id}`, rules: meta },
  ]
  if (alerts.length > 0) groups.push({ name: `sloth-slo-alerts-${id}`, rules: alerts })
  return groups
}

/** Every group of every SLO of the specs. */
export function generateSlothRules(
  specs: readonly SlothSpec[],
  windows?: AlertWindows,
): GeneratedGroup[] {
  return specs.flatMap((spec) => spec.slos.flatMap((slo) => generateSloGroups(spec, slo, windows)))
}
