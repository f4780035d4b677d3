/**
 * A rule group's state as stored after each evaluation (`alerting_rule_states.state`): each
 * rule's health, last error, timing and alerts. The lease holder restores alerts from it;
 * every replica reads it to answer Prometheus's rules and alerts API, so those answer the
 * same whichever replica is asked.
 */
import type { Rule, RuleGroup } from '../rules/rule-file.js'
import type { AlertingDb } from '../store/tables.js'
import type { ActiveAlert } from './alert-state.js'
import type { GroupRunner, RuleHealth, RuleStatus } from './group-runner.js'

export interface StoredRuleState {
  readonly index: number
  readonly name: string
  readonly alerts: ActiveAlert[]
  readonly health?: RuleHealth
  readonly lastError?: string
  readonly lastEvaluationMs?: number
  readonly evaluationDurationMs?: number
}

export interface StoredGroupState {
  readonly evaluationDurationMs: number
  readonly rules: readonly StoredRuleState[]
}

/** The state to store for a group after an evaluation. */
export function groupStateOf(runner: GroupRunner): StoredGroupState {
  return {
    evaluationDurationMs: runner.evaluationDurationMs,
    rules: runner.statuses.map((status) => ({
      index: status.rule.index,
      name: status.rule.name,
      alerts: [...status.alerts.values()],
      health: status.health,
      ...(status.lastError === undefined ? {} : { lastError: status.lastError }),
      ...(status.lastEvaluationMs === undefined
        ? {}
        : { lastEvaluationMs: status.lastEvaluationMs }),
      evaluationDurationMs: status.evaluationDurationMs,
    })),
  }
}

/** Reads stored state, also in its first form: a list of the rules that had alerts. */
export function parseGroupState(text: string): StoredGroupState {
  const value = JSON.parse(text) as StoredGroupState | StoredRuleState[]
  return Array.isArray(value) ? { evaluationDurationMs: 0, rules: value } : value
}

/** What the rules API shows of a group: a running group, or one read from the database. */
export interface RuleGroupView {
  readonly group: RuleGroup
  readonly intervalMs: number
  readonly evaluationDurationMs: number
  readonly lastEvaluationMs: number | undefined
  readonly statuses: readonly RuleStatus[]
}

function statusOf(rule: Rule, stored: StoredGroupState): RuleStatus {
  const item = stored.rules.find((candidate) => {
    return candidate.index === rule.index && candidate.name === rule.name
  })
  // JSON has no NaN or infinities: a value stored as null was one of them.
  const alerts = (item?.alerts ?? []).map((alert) => ({
    ...alert,
    value: typeof alert.value === 'number' ? alert.value : NaN,
  }))
  return {
    rule,
    health: item?.health ?? (item === undefined ? 'unknown' : 'ok'),
    lastError: item?.lastError,
    lastEvaluationMs: item?.lastEvaluationMs,
    evaluationDurationMs: item?.evaluationDurationMs ?? 0,
    alerts: new Map(alerts.map((alert) => [alert.fingerprint, alert])),
    written: new Map(),
  }
}

/** The loaded groups with the state the lease holder last stored for each. */
export async function readGroupViews(
  db: AlertingDb,
  runners: readonly GroupRunner[],
): Promise<RuleGroupView[]> {
  const keys = runners.map((runner) => runner.key)
  const rows =
    keys.length === 0
      ? []
      : await db
          .selectFrom('alerting_rule_states')
          .selectAll()
          .where('group_key', 'in', keys)
          .execute()
  const byKey = new Map(rows.map((row) => [row.group_key, row]))
  return runners.map((runner) => {
    const row = byKey.get(runner.key)
    const stored =
      row === undefined ? { evaluationDurationMs: 0, rules: [] } : parseGroupState(row.state)
    return {
      group: runner.group,
      intervalMs: runner.intervalMs,
      evaluationDurationMs: stored.evaluationDurationMs,
      lastEvaluationMs: row === undefined ? undefined : Number(row.evaluated_at),
      statuses: runner.statuses.map((status) => statusOf(status.rule, stored)),
    }
  })
}
