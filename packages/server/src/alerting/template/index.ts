/**
 * Prometheus rule templates: `{{ $labels.instance }} is at {{ $value | humanize }}`.
 *
 * @example
 * const text = expandRuleTemplate('{{ $labels.job }} down', { labels: { job: 'api' }, value: 0 })
 */
import type { TemplateSample } from './functions.js'
import { templateFunctionNames, templateFunctions } from './functions.js'
import { executeTemplate } from './execute.js'
import { parseTemplate } from './parse.js'
import type { Node } from './syntax.js'
import { TemplateError } from './syntax.js'

export { TemplateError }
export type { TemplateSample }

/** The variables Prometheus defines before every rule template. */
const ruleVariables = ['$labels', '$externalLabels', '$externalURL', '$value']

export interface RuleTemplateData {
  readonly labels: Readonly<Record<string, string>>
  readonly value: number
  readonly externalLabels?: Readonly<Record<string, string>>
  readonly externalURL?: string
  /** Runs a PromQL query for the template's `query` function. */
  readonly query?: (text: string) => TemplateSample[]
}

const parsed = new Map<string, Node[]>()

/** Parses a rule template (cached), throwing TemplateError for what Go would reject. */
export function parseRuleTemplate(source: string): readonly Node[] {
  let nodes = parsed.get(source)
  if (nodes === undefined) {
    nodes = parseTemplate(source, templateFunctionNames, ruleVariables)
    if (parsed.size > 10_000) parsed.clear()
    parsed.set(source, nodes)
  }
  return nodes
}

/** Expands a label or annotation template of an alerting rule. */
export function expandRuleTemplate(source: string, data: RuleTemplateData): string {
  if (!source.includes('{{')) return source
  const nodes = parseRuleTemplate(source)
  const root = {
    Labels: data.labels,
    ExternalLabels: data.externalLabels ?? {},
    ExternalURL: data.externalURL ?? '',
    Value: data.value,
  }
  return executeTemplate(
    nodes,
    root,
    {
      $labels: root.Labels,
      $externalLabels: root.ExternalLabels,
      $externalURL: root.ExternalURL,
      $value: root.Value,
    },
    templateFunctions(data.query),
  )
}
