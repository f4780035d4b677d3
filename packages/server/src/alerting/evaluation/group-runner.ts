/**
 * Evaluates one rule group: its rules in order at one timestamp, recording rules writing
 * their series (so later rules see them), alerting rules advancing their alerts and writing
 * the `ALERTS` and `ALERTS_FOR_STATE` series.
 */
import type { Labels } from '@rampart/promql'
import type { AlertingRule, RecordingRule, Rule, RuleGroup } from '../rules/rule-file.js'
import type { ActiveAlert, TemplateContext } from './alert-state.js'
import { advanceAlerts, RuleEvaluationError } from './alert-state.js'
import { labelsKey } from './fingerprint.js'
import type { RuleBackend, RuleSample } from './rule-querier.js'

export type RuleHealth = 'ok' | 'err' | 'unknown'

export interface RuleStatus {
  readonly rule: Rule
  health: RuleHealth
  lastError: string | undefined
  lastEvaluationMs: number | undefined
  evaluationDurationMs: number
  /** Alerting rules: alerts by fingerprint. */
  readonly alerts: Map<string, ActiveAlert>
  /** Series written at the last evaluation, by label key, to mark them stale when gone. */
  written: Map<string, Labels>
}

/** The runtime of one loaded group: its rules' statuses and its last evaluation. */
export class GroupRunner {
  readonly group: RuleGroup
  readonly key: string
  readonly intervalMs: number
  readonly statuses: RuleStatus[]
  lastEvaluationMs: number | undefined
  evaluationDurationMs = 0

  constructor(group: RuleGroup, defaultIntervalMs: number) {
    this.group = group
    this.key = `${group.file};${group.name}`
    this.intervalMs = group.intervalMs ?? defaultIntervalMs
    this.statuses = group.rules.map((rule) => ({
      rule,
      health: 'unknown',
      lastError: undefined,
      lastEvaluationMs: undefined,
      evaluationDurationMs: 0,
      alerts: new Map(),
      written: new Map(),
    }))
  }

  /** Evaluates every rule at `timeMs`, in order; one rule's failure does not stop the rest. */
  async evaluate(timeMs: number, backend: RuleBackend, context: TemplateContext): Promise<void> {
    const started = performance.now()
    const queryTimeMs = timeMs - this.group.queryOffsetMs
    for (const status of this.statuses) {
      const ruleStarted = performance.now()
      try {
        const samples = await backend.query(status.rule.expr, status.rule.parsed, queryTimeMs)
        const output =
          status.rule.kind === 'record'
            ? this.#recordedSeries(status.rule, samples)
            : this.#alertSeries(status, status.rule, samples, timeMs, context)
        this.#write(status, output, timeMs, backend)
        status.health = 'ok'
        status.lastError = undefined
      } catch (error) {
        status.health = 'err'
        status.lastError = error instanceof Error ? error.message : String(error)
      }
      status.lastEvaluationMs = timeMs
      status.evaluationDurationMs = performance.now() - ruleStarted
    }
    this.lastEvaluationMs = timeMs
    this.evaluationDurationMs = performance.now() - started
  }

  #recordedSeries(rule: RecordingRule, samples: readonly RuleSample[]): RuleSample[] {
    const seen = new Set<string>()
    const out = samples.map((sample) => {
      const labels: Record<string, string> = { ...sample.labels, ...this.group.labels }
      Object.assign(labels, rule.labels, { __name__: rule.name })
      for (const [name, value] of Object.entries(labels)) if (value === '') delete labels[name]
      const key = labelsKey(labels)
      if (seen.has(key)) {
        throw new RuleEvaluationError(
          'vector contains metrics with the same labelset after applying rule labels',
        )
      }
      seen.add(key)
      return { labels, value: sample.value }
    })
    if (this.group.limit > 0 && out.length > this.group.limit) {
      throw new RuleEvaluationError(
        `exceeded limit of ${this.group.limit} with ${out.length} series`,
      )
    }
    return out
  }

  #alertSeries(
    status: RuleStatus,
    rule: AlertingRule,
    samples: readonly RuleSample[],
    timeMs: number,
    context: TemplateContext,
  ): RuleSample[] {
    advanceAlerts(
      rule,
      this.group.labels,
      samples,
      timeMs,
      status.alerts,
      context,
      this.group.limit,
    )
    const out: RuleSample[] = []
    for (const alert of status.alerts.values()) {
      if (alert.state === 'inactive') continue
      out.push({
        labels: { ...alert.labels, __name__: 'ALERTS', alertstate: alert.state },
        value: 1,
      })
      out.push({
        labels: { ...alert.labels, __name__: 'ALERTS_FOR_STATE' },
        value: alert.activeAtMs / 1000,
      })
    }
    return out
  }

  #write(status: RuleStatus, output: RuleSample[], timeMs: number, backend: RuleBackend): void {
    const written = new Map<string, Labels>()
    for (const sample of output) written.set(labelsKey(sample.labels), sample.labels)
    const ended = [...status.written]
      .filter(([key]) => !written.has(key))
      .map(([, labels]) => labels)
    backend.write(output, ended, timeMs)
    status.written = written
  }
}
