/**
 * Runs the loaded rule groups on their intervals, persists each group's alert state after
 * every evaluation, restores it at start, and hands firing and resolved alerts to routing.
 */
import type { Clock } from '../../platform/clock.js'
import type { Logger } from '../../platform/logger.js'
import type { RuleGroup } from '../rules/rule-file.js'
import type { AlertingDb } from '../store/tables.js'
import type { TemplateContext } from './alert-state.js'
import { restoreAlerts } from './alert-state.js'
import { GroupRunner } from './group-runner.js'
import type { RuleBackend } from './rule-querier.js'
import { groupStateOf, parseGroupState } from './stored-group-state.js'

/** An alert as handed to routing (Alertmanager's model). */
export interface RoutedAlert {
  readonly fingerprint: string
  readonly labels: Readonly<Record<string, string>>
  readonly annotations: Readonly<Record<string, string>>
  readonly startsAtMs: number
  /** In the future while firing (renewed every evaluation); the resolve time once resolved. */
  readonly endsAtMs: number
  readonly generatorUrl: string
}

/** A state change, for the audit log. */
export interface AlertTransition {
  readonly fingerprint: string
  readonly alertname: string
  readonly from: string
  readonly to: string
  readonly labels: Readonly<Record<string, string>>
  readonly atMs: number
}

export interface RuleManagerOptions {
  readonly db: AlertingDb
  readonly clock: Clock
  readonly logger: Logger
  readonly backend: RuleBackend
  readonly defaultIntervalMs: number
  readonly outageToleranceMs: number
  readonly context: TemplateContext
  readonly externalUrl: string
  /** Receives the alerts to route after each group evaluation. */
  readonly onAlerts: (alerts: RoutedAlert[], groupKey: string) => Promise<void>
  readonly onTransitions?: (transitions: AlertTransition[]) => Promise<void>
}

export class RuleManager {
  readonly #options: RuleManagerOptions
  #runners: GroupRunner[] = []
  readonly #restored = new Set<string>()

  constructor(options: RuleManagerOptions) {
    this.#options = options
  }

  get groups(): readonly GroupRunner[] {
    return this.#runners
  }

  /** Replaces the loaded groups, keeping the state of rules that stay the same. */
  load(groups: readonly RuleGroup[]): void {
    const previous = new Map(this.#runners.map((runner) => [runner.key, runner]))
    this.#runners = groups.map((group) => {
      const runner = new GroupRunner(group, this.#options.defaultIntervalMs)
      const old = previous.get(runner.key)
      if (old !== undefined) {
        runner.statuses.forEach((status, index) => {
          const before = old.statuses[index]
          if (before?.rule.name !== status.rule.name || before.rule.expr !== status.rule.expr)
            return
          for (const [id, alert] of before.alerts) status.alerts.set(id, alert)
          status.written = before.written
        })
        runner.lastEvaluationMs = old.lastEvaluationMs
      }
      return runner
    })
  }

  /**
   * The evaluation time a group is due at next: now for its first evaluation (so an alert's
   * firing time is when it was found firing), then the next multiple of its interval.
   */
  #dueAt(runner: GroupRunner): number {
    const last = runner.lastEvaluationMs
    if (last === undefined) return this.#options.clock.now()
    return (Math.floor(last / runner.intervalMs) + 1) * runner.intervalMs
  }

  /** Evaluates every group that is due; call this from the lease holder's loop. */
  async evaluateDue(): Promise<number> {
    let evaluated = 0
    for (const runner of this.#runners) {
      await this.#restore(runner)
      const due = this.#dueAt(runner)
      if (due > this.#options.clock.now()) continue
      await this.evaluateGroup(runner, due)
      evaluated++
    }
    this.#options.backend.flush?.()
    return evaluated
  }

  /** Evaluates one group at `timeMs`, persists its state and routes its alerts. */
  async evaluateGroup(runner: GroupRunner, timeMs: number): Promise<void> {
    const before = snapshotStates(runner)
    await runner.evaluate(timeMs, this.#options.backend, this.#options.context)
    for (const status of runner.statuses) {
      if (status.health === 'err') {
        this.#options.logger.warn(
          { group: runner.group.name, rule: status.rule.name, reason: status.lastError },
          'rule evaluation failed',
        )
      }
    }
    await this.#persist(runner, timeMs)
    const transitions = diffStates(before, runner, timeMs)
    if (transitions.length > 0) await this.#options.onTransitions?.(transitions)
    await this.#options.onAlerts(this.routedAlerts(runner, timeMs), runner.key)
  }

  /** Firing and resolved alerts of a group, as Prometheus sends them to Alertmanager. */
  routedAlerts(runner: GroupRunner, timeMs: number): RoutedAlert[] {
    const out: RoutedAlert[] = []
    const validForMs = 4 * Math.max(runner.intervalMs, 60_000)
    const graphUrl = `${this.#options.externalUrl}/prometheus/graph?g0.expr=`
    for (const status of runner.statuses) {
      for (const alert of status.alerts.values()) {
        if (alert.state === 'pending') continue
        out.push({
          fingerprint: alert.fingerprint,
          labels: alert.labels,
          annotations: alert.annotations,
          startsAtMs: alert.firedAtMs ?? alert.activeAtMs,
          endsAtMs: alert.resolvedAtMs ?? timeMs + validForMs,
          generatorUrl: `${graphUrl}${encodeURIComponent(status.rule.expr)}`,
        })
      }
    }
    return out
  }

  async #persist(runner: GroupRunner, timeMs: number): Promise<void> {
    const state = JSON.stringify(groupStateOf(runner))
    const row = { group_key: runner.key, state, evaluated_at: timeMs }
    await this.#options.db
      .insertInto('alerting_rule_states')
      .values(row)
      .onConflict((conflict) =>
        conflict.column('group_key').doUpdateSet({ state: row.state, evaluated_at: timeMs }),
      )
      .execute()
  }

  /** Loads a group's stored alerts once, before its first evaluation in this process. */
  async #restore(runner: GroupRunner): Promise<void> {
    if (this.#restored.has(runner.key)) return
    this.#restored.add(runner.key)
    const row = await this.#options.db
      .selectFrom('alerting_rule_states')
      .selectAll()
      .where('group_key', '=', runner.key)
      .executeTakeFirst()
    if (row === undefined) return
    const evaluatedAt = Number(row.evaluated_at)
    const downtimeMs = Math.max(0, this.#options.clock.now() - evaluatedAt - runner.intervalMs)
    const stored = parseGroupState(row.state).rules
    for (const item of stored) {
      const status = runner.statuses.find(
        (candidate) => candidate.rule.index === item.index && candidate.rule.name === item.name,
      )
      if (status === undefined || status.rule.kind !== 'alert') continue
      for (const [id, alert] of restoreAlerts(
        item.alerts,
        downtimeMs,
        this.#options.outageToleranceMs,
      )) {
        status.alerts.set(id, alert)
      }
    }
    runner.lastEvaluationMs ??= evaluatedAt
    this.#options.logger.info(
      {
        group: runner.group.name,
        downtimeMs,
        alerts: stored.reduce((n, s) => n + s.alerts.length, 0),
      },
      'alert state restored',
    )
  }

  /** Forgets which groups were restored, so a new lease holder reloads state from the store. */
  resetRestored(): void {
    this.#restored.clear()
    for (const runner of this.#runners) {
      for (const status of runner.statuses) status.alerts.clear()
      runner.lastEvaluationMs = undefined
    }
  }
}

function snapshotStates(runner: GroupRunner): Map<string, string> {
  const states = new Map<string, string>()
  for (const status of runner.statuses) {
    for (const alert of status.alerts.values()) states.set(alert.fingerprint, alert.state)
  }
  return states
}

function diffStates(
  before: Map<string, string>,
  runner: GroupRunner,
  atMs: number,
): AlertTransition[] {
  const transitions: AlertTransition[] = []
  const after = new Set<string>()
  for (const status of runner.statuses) {
    for (const alert of status.alerts.values()) {
      after.add(alert.fingerprint)
      const from = before.get(alert.fingerprint) ?? 'inactive'
      if (from === alert.state) continue
      transitions.push({
        fingerprint: alert.fingerprint,
        alertname: status.rule.name,
        from,
        to: alert.state === 'inactive' ? 'resolved' : alert.state,
        labels: alert.labels,
        atMs,
      })
    }
  }
  return transitions
}
