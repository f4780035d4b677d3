/**
 * The Prometheus rule-file model: groups of recording and alerting rules, as loaded and
 * validated from YAML.
 */
import type { Expr, Labels } from '@rampart/promql'

interface RuleBase {
  /** Position of the rule in its group, from 1, as Prometheus reports it. */
  readonly index: number
  readonly expr: string
  readonly parsed: Expr
  readonly labels: Labels
}

export interface RecordingRule extends RuleBase {
  readonly kind: 'record'
  readonly name: string
}

export interface AlertingRule extends RuleBase {
  readonly kind: 'alert'
  readonly name: string
  readonly forMs: number
  readonly keepFiringForMs: number
  readonly annotations: Labels
}

export type Rule = RecordingRule | AlertingRule

export interface RuleGroup {
  readonly file: string
  readonly name: string
  /** Undefined: the configured evaluation interval. */
  readonly intervalMs: number | undefined
  /** Most alerts or series one rule may produce; 0 means no limit. */
  readonly limit: number
  readonly queryOffsetMs: number
  /** Labels added to every rule of the group (rules' own labels win). */
  readonly labels: Labels
  readonly rules: readonly Rule[]
}

/** Where a rule-file problem is and what it is, like `promtool check rules` reports it. */
export interface RuleFileIssue {
  readonly file: string
  readonly group?: string
  /** The rule's position in its group, from 1. */
  readonly rule?: number
  readonly ruleName?: string
  readonly line?: number
  readonly reason: string
}

/** One line for people: `file:line: group "g", rule 2, "Name": reason`. */
export function formatIssue(issue: RuleFileIssue): string {
  const where = issue.line === undefined ? issue.file : `${issue.file}:${issue.line}`
  const parts = [where]
  if (issue.group !== undefined) parts.push(`group ${JSON.stringify(issue.group)}`)
  if (issue.rule !== undefined) parts.push(`rule ${issue.rule}`)
  if (issue.ruleName !== undefined) parts.push(JSON.stringify(issue.ruleName))
  return `${parts.join(', ')}: ${issue.reason}`
}

/** Rule files that failed validation; every problem found, not only the first. */
export class RuleFileError extends Error {
  readonly issues: readonly RuleFileIssue[]

  constructor(issues: readonly RuleFileIssue[]) {
    super(issues.map(formatIssue).join('\n'))
    this.name = 'RuleFileError'
    this.issues = issues
  }
}
