/**
 * The state machine of one alerting rule: inactive → pending → firing → resolved, with
 * `for` and `keep_firing_for`, as Prometheus runs it.
 */
import type { Labels } from '@rampart/promql'
import type { AlertingRule } from '../rules/rule-file.js'
import type { TemplateSample } from '../template/index.js'
import { expandRuleTemplate } from '../template/index.js'
import { fingerprint, labelsKey } from './fingerprint.js'
import type { RuleSample } from './rule-querier.js'

/** How long a resolved alert is kept, so routing can send its "resolved" notification. */
export const resolvedRetentionMs = 15 * 60_000

export type AlertState = 'pending' | 'firing' | 'inactive'

export interface ActiveAlert {
  readonly fingerprint: string
  labels: Labels
  annotations: Labels
  value: number
  state: AlertState
  activeAtMs: number
  firedAtMs?: number | undefined
  resolvedAtMs?: number | undefined
  keepFiringSinceMs?: number | undefined
}

export interface TemplateContext {
  readonly externalLabels: Labels
  readonly externalUrl: string
  readonly query?: (text: string) => TemplateSample[]
}

/** Raised when a rule's output cannot become alerts; the rule's health turns to `err`. */
export class RuleEvaluationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'RuleEvaluationError'
  }
}

function alertLabels(
  rule: AlertingRule,
  groupLabels: Labels,
  sample: RuleSample,
  context: TemplateContext,
): { labels: Labels; annotations: Labels } {
  const base: Record<string, string> = { ...sample.labels }
  delete base.__name__
  const data = {
    labels: base,
    value: sample.value,
    externalLabels: context.externalLabels,
    externalURL: context.externalUrl,
    ...(context.query === undefined ? {} : { query: context.query }),
  }
  const expand = (source: Labels): Record<string, string> =>
    Object.fromEntries(
      Object.entries(source).map(([name, text]) => {
        try {
          return [name, expandRuleTemplate(text, data)]
        } catch (error) {
          // Prometheus keeps going with the error text in place of the value.
          return [name, `<error expanding template: ${(error as Error).message}>`]
        }
      }),
    )
  const labels: Record<string, string> = { ...base, ...expand({ ...groupLabels, ...rule.labels }) }
  for (const [name, value] of Object.entries(labels)) if (value === '') delete labels[name]
  labels.alertname = rule.name
  return { labels, annotations: expand(rule.annotations) }
}

/**
 * Advances the rule's alerts to `timeMs` given the samples its expression returned.
 * `active` is updated in place: new alerts appear, resolved ones age out.
 */
export function advanceAlerts(
  rule: AlertingRule,
  groupLabels: Labels,
  samples: readonly RuleSample[],
  timeMs: number,
  active: Map<string, ActiveAlert>,
  context: TemplateContext,
  limit = 0,
): void {
  const seen = new Set<string>()
  const keys = new Set<string>()
  for (const sample of samples) {
    const { labels, annotations } = alertLabels(rule, groupLabels, sample, context)
    const key = labelsKey(labels)
    if (keys.has(key)) {
      throw new RuleEvaluationError(
        'vector contains metrics with the same labelset after applying alert labels',
      )
    }
    keys.add(key)
    const id = fingerprint(labels)
    seen.add(id)
    const existing = active.get(id)
    if (existing !== undefined && existing.state !== 'inactive') {
      existing.value = sample.value
      existing.annotations = annotations
      existing.labels = labels
      continue
    }
    active.set(id, {
      fingerprint: id,
      labels,
      annotations,
      value: sample.value,
      state: 'pending',
      activeAtMs: timeMs,
    })
  }

  for (const [id, alert] of active) {
    if (!seen.has(id)) {
      if (alert.state === 'firing' && rule.keepFiringForMs > 0) {
        alert.keepFiringSinceMs ??= timeMs
        if (timeMs - alert.keepFiringSinceMs < rule.keepFiringForMs) continue
      }
      const expired =
        alert.resolvedAtMs !== undefined && timeMs - alert.resolvedAtMs > resolvedRetentionMs
      if (alert.state === 'pending' || expired) {
        active.delete(id)
      } else if (alert.state !== 'inactive') {
        alert.state = 'inactive'
        alert.resolvedAtMs = timeMs
      }
      continue
    }
    alert.keepFiringSinceMs = undefined
    if (alert.state === 'pending' && timeMs - alert.activeAtMs >= rule.forMs) {
      alert.state = 'firing'
      alert.firedAtMs = timeMs
    }
  }

  if (limit > 0) {
    const count = [...active.values()].filter((alert) => alert.state !== 'inactive').length
    if (count > limit) {
      active.clear()
      throw new RuleEvaluationError(`exceeded limit of ${limit} with ${count} alerts`)
    }
  }
}

/**
 * Brings alerts restored from the database forward over a downtime of `downtimeMs`: pending
 * alerts do not count the downtime towards `for` (nothing fires early), and after a downtime
 * longer than `toleranceMs` they start over. Firing alerts stay firing until the next
 * evaluation decides, so they are neither re-notified nor forgotten.
 */
export function restoreAlerts(
  alerts: readonly ActiveAlert[],
  downtimeMs: number,
  toleranceMs: number,
): Map<string, ActiveAlert> {
  const restored = new Map<string, ActiveAlert>()
  for (const alert of alerts) {
    if (alert.state === 'pending') {
      if (downtimeMs > toleranceMs) continue
      restored.set(alert.fingerprint, { ...alert, activeAtMs: alert.activeAtMs + downtimeMs })
    } else restored.set(alert.fingerprint, { ...alert })
  }
  return restored
}
