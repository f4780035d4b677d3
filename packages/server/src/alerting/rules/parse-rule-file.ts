/**
 * Loads Prometheus rule files and validates them as Prometheus does: unknown fields, empty or
 * repeated group names, record/alert exclusivity, expressions, names of records, labels and
 * annotations, durations and templates. Every problem is reported with file, group and rule.
 */
import { readFileSync } from 'node:fs'
import type { Labels } from '@rampart/promql'
import { parseDurationMs, parseExpr, PromqlSyntaxError } from '@rampart/promql'
import type { Document } from 'yaml'
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml'
import { parseRuleTemplate, TemplateError } from '../template/index.js'
import type { Rule, RuleFileIssue, RuleGroup } from './rule-file.js'
import { RuleFileError } from './rule-file.js'
import { yamlValue } from './yaml-value.js'

/** `utf8` (Prometheus 3's default) accepts any name; `legacy` only `[a-zA-Z_][a-zA-Z0-9_]*`. */
export type NameValidation = 'utf8' | 'legacy'

export interface ParseRuleFileOptions {
  readonly nameValidation?: NameValidation
}

const groupFields = new Set(['name', 'interval', 'query_offset', 'limit', 'rules', 'labels'])
const ruleFields = new Set([
  'record',
  'alert',
  'expr',
  'for',
  'keep_firing_for',
  'labels',
  'annotations',
])
const legacyLabelName = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const legacyMetricName = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/

interface Context {
  readonly file: string
  readonly issues: RuleFileIssue[]
  readonly lines: LineCounter
  readonly validation: NameValidation
}

type Node = Record<string, unknown>

function isRecord(value: unknown): value is Node {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function validLabelName(name: string, validation: NameValidation): boolean {
  return validation === 'legacy' ? legacyLabelName.test(name) : name.length > 0
}

function parseDuration(text: unknown, field: string, report: (reason: string) => void): number {
  if (text === undefined || text === null) return 0
  const ms = typeof text === 'string' ? parseDurationMs(text) : undefined
  if (ms === undefined || ms < 0) {
    report(`invalid ${field} ${JSON.stringify(text)}: not a duration like 5m`)
    return 0
  }
  return ms
}

function stringMap(value: unknown, what: string, report: (reason: string) => void): Labels {
  if (value === undefined || value === null) return {}
  if (!isRecord(value)) {
    report(`${what} must be a map of strings`)
    return {}
  }
  const out: Record<string, string> = {}
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === 'object' && item !== null) report(`${what} ${key} must be a string`)
    else
      out[key] =
        item === null || item === undefined
          ? ''
          : typeof item === 'string'
            ? item
            : JSON.stringify(item)
  }
  return out
}

/** Validates one rule; returns it when valid, else records why. */
function parseRule(raw: unknown, index: number, group: string, context: Context): Rule | undefined {
  const issuesBefore = context.issues.length
  const ruleName = isRecord(raw) ? (raw.alert ?? raw.record) : undefined
  const report = (reason: string): void => {
    context.issues.push({
      file: context.file,
      group,
      rule: index,
      ...(typeof ruleName === 'string' ? { ruleName } : {}),
      reason,
    })
  }
  if (!isRecord(raw)) {
    report('a rule must be a map')
    return undefined
  }
  for (const key of Object.keys(raw)) {
    if (!ruleFields.has(key)) report(`field ${key} not found in type rulefmt.Rule`)
  }

  const { record, alert, expr } = raw
  const recordSet = record !== undefined && record !== null && record !== ''
  const alertSet = alert !== undefined && alert !== null && alert !== ''
  if (recordSet && alertSet) report("only one of 'record' and 'alert' must be set")
  if (!recordSet && !alertSet) report("one of 'record' or 'alert' must be set")
  if (expr === undefined || expr === null || expr === '') report("field 'expr' must be set in rule")

  let parsed
  if (typeof expr === 'string' || typeof expr === 'number') {
    try {
      parsed = parseExpr(String(expr))
    } catch (error) {
      if (!(error instanceof PromqlSyntaxError)) throw error
      report(`could not parse expression: ${error.message}`)
    }
  }

  const forMs = parseDuration(raw.for, 'for', report)
  const keepFiringForMs = parseDuration(raw.keep_firing_for, 'keep_firing_for', report)
  const labels = stringMap(raw.labels, 'labels', report)
  const annotations = stringMap(raw.annotations, 'annotations', report)

  if (recordSet) {
    if (raw.for !== undefined) report("invalid field 'for' in recording rule")
    if (raw.keep_firing_for !== undefined)
      report("invalid field 'keep_firing_for' in recording rule")
    if (raw.annotations !== undefined) report("invalid field 'annotations' in recording rule")
    if (typeof record !== 'string' || !legacyMetricName.test(record)) {
      const shown = typeof record === 'string' ? record : JSON.stringify(record)
      report(`invalid recording rule name: ${shown}`)
    }
  }
  for (const name of Object.keys(labels)) {
    if (name === '__name__' || !validLabelName(name, context.validation)) {
      report(`invalid label name: ${name}`)
    }
  }
  for (const name of Object.keys(annotations)) {
    if (!validLabelName(name, context.validation)) report(`invalid annotation name: ${name}`)
  }
  if (alertSet) {
    for (const [kind, map] of [
      ['label', labels],
      ['annotation', annotations],
    ] as const) {
      for (const [name, text] of Object.entries(map)) {
        try {
          parseRuleTemplate(text)
        } catch (error) {
          if (!(error instanceof TemplateError)) throw error
          report(`template: ${kind} ${name}: ${error.message}`)
        }
      }
    }
  }

  if (context.issues.length > issuesBefore || parsed === undefined) return undefined
  const base = { index, expr: String(expr), parsed, labels }
  return recordSet
    ? { ...base, kind: 'record', name: record as string }
    : {
        ...base,
        kind: 'alert',
        name: typeof alert === 'string' ? alert : JSON.stringify(alert),
        forMs,
        keepFiringForMs,
        annotations,
      }
}

function parseGroup(raw: unknown, seen: Set<string>, context: Context): RuleGroup | undefined {
  const name = isRecord(raw) && typeof raw.name === 'string' ? raw.name : ''
  const issuesBefore = context.issues.length
  const report = (reason: string): void => {
    context.issues.push({ file: context.file, ...(name === '' ? {} : { group: name }), reason })
  }
  if (!isRecord(raw)) {
    report('a group must be a map')
    return undefined
  }
  for (const key of Object.keys(raw)) {
    if (!groupFields.has(key)) report(`field ${key} not found in type rulefmt.RuleGroup`)
  }
  if (name === '') report('Groupname must not be empty')
  else if (seen.has(name)) report(`groupname: "${name}" is repeated in the same file`)
  seen.add(name)

  const intervalMs =
    raw.interval === undefined ? undefined : parseDuration(raw.interval, 'interval', report)
  if (intervalMs === 0) report('interval must be greater than zero')
  const queryOffsetMs = parseDuration(raw.query_offset, 'query_offset', report)
  const limit = raw.limit ?? 0
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 0) {
    report('limit must be a non-negative integer')
  }
  const labels = stringMap(raw.labels, 'labels', report)
  const rawRules = raw.rules ?? []
  if (!Array.isArray(rawRules)) report('rules must be a list')
  const rules = (Array.isArray(rawRules) ? rawRules : []).map((rule, index) =>
    parseRule(rule, index + 1, name, context),
  )
  if (context.issues.length > issuesBefore) return undefined
  return {
    file: context.file,
    name,
    intervalMs,
    limit: Number(limit),
    queryOffsetMs,
    labels,
    rules: rules.filter((rule): rule is Rule => rule !== undefined),
  }
}

function yamlIssues(document: Document, context: Context): void {
  for (const error of document.errors) {
    const position = error.pos[0]
    const line = context.lines.linePos(position).line
    context.issues.push({ file: context.file, line, reason: error.message.split('\n')[0] ?? '' })
  }
}

/**
 * Parses rule-file text into groups.
 *
 * @throws RuleFileError with every problem found; nothing is returned for a bad file.
 */
export function parseRuleFile(
  text: string,
  file: string,
  options: ParseRuleFileOptions = {},
): RuleGroup[] {
  const lines = new LineCounter()
  const context: Context = {
    file,
    issues: [],
    lines,
    validation: options.nameValidation ?? 'utf8',
  }
  const document = parseDocument(text, { lineCounter: lines, merge: true, uniqueKeys: true })
  yamlIssues(document, context)
  if (context.issues.length > 0) throw new RuleFileError(context.issues)

  const contents = document.contents
  if (contents === null) return []
  if (!isMap(contents)) throw new RuleFileError([{ file, reason: 'the file must be a map' }])
  const root = yamlValue(document, file)
  if (!isRecord(root)) throw new RuleFileError([{ file, reason: 'the file must be a map' }])
  for (const key of Object.keys(root)) {
    if (key !== 'groups')
      context.issues.push({ file, reason: `field ${key} not found in type rulefmt.RuleGroups` })
  }
  const groupsNode = contents.get('groups', true)
  if (groupsNode !== undefined && !isSeq(groupsNode)) {
    context.issues.push({ file, reason: 'groups must be a list' })
  }
  const seen = new Set<string>()
  const rawGroups = Array.isArray(root.groups) ? root.groups : []
  const groups = rawGroups.map((group) => parseGroup(group, seen, context))
  if (context.issues.length > 0) throw new RuleFileError(context.issues)
  return groups.filter((group): group is RuleGroup => group !== undefined)
}

/**
 * Validates one group given as a value rather than as a file (a group put through the API),
 * exactly as a group of a rule file; `file` names where it came from in issues and APIs.
 *
 * @throws RuleFileError with every problem found.
 */
export function parseRuleGroup(
  raw: unknown,
  file: string,
  options: ParseRuleFileOptions = {},
): RuleGroup {
  const context: Context = {
    file,
    issues: [],
    lines: new LineCounter(),
    validation: options.nameValidation ?? 'utf8',
  }
  const group = parseGroup(raw, new Set(), context)
  if (group === undefined || context.issues.length > 0) throw new RuleFileError(context.issues)
  return group
}

/** Reads and parses rule files; all of them or none (a RuleFileError lists every problem). */
export function loadRuleFiles(
  files: readonly string[],
  options: ParseRuleFileOptions = {},
): RuleGroup[] {
  const groups: RuleGroup[] = []
  const issues: RuleFileIssue[] = []
  for (const file of files) {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      issues.push({ file, reason: `cannot read: ${(error as Error).message}` })
      continue
    }
    try {
      groups.push(...parseRuleFile(text, file, options))
    } catch (error) {
      if (!(error instanceof RuleFileError)) throw error
      issues.push(...error.issues)
    }
  }
  if (issues.length > 0) throw new RuleFileError(issues)
  return groups
}
