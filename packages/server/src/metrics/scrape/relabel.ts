import type { Labels, PromqlRegex } from '@rampart/promql'
import { compilePromqlRegex } from '@rampart/promql'
import type { RelabelConfig } from '../config.js'

/** A relabel rule with its regex compiled once; regexes are anchored as in Prometheus. */
export interface CompiledRelabel {
  readonly config: RelabelConfig
  readonly regex: PromqlRegex
}

export function compileRelabels(configs: readonly RelabelConfig[]): CompiledRelabel[] {
  return configs.map((config) => ({ config, regex: compilePromqlRegex(config.regex) }))
}

/** `$1`, `${1}`, `$name` and `${name}` in a replacement, filled from a regex match. */
function expand(replacement: string, match: RegExpExecArray): string {
  return replacement.replace(/\$(?:\{(\w+)\}|(\w+))/g, (_whole, braced?: string, bare?: string) => {
    const name = braced ?? bare ?? ''
    const group = /^\d+$/.test(name) ? match[Number(name)] : match.groups?.[name]
    return group ?? ''
  })
}

/**
 * Applies relabel rules in order. Returns the new label set, or undefined when a rule drops
 * the series. The input is not modified.
 */
export function relabel(labels: Labels, rules: readonly CompiledRelabel[]): Labels | undefined {
  let current: Record<string, string> = { ...labels }

  for (const { config, regex } of rules) {
    const value = config.source_labels.map((name) => current[name] ?? '').join(config.separator)

    switch (config.action) {
      case 'keep':
        if (!regex.test(value)) return undefined
        break
      case 'drop':
        if (regex.test(value)) return undefined
        break
      case 'replace': {
        const match = regex.exec(value)
        if (match === null || config.target_label === undefined) break
        const target = expand(config.target_label, match)
        const replaced = expand(config.replacement, match)
        if (replaced === '') delete current[target]
        else current[target] = replaced
        break
      }
      case 'labeldrop':
        current = Object.fromEntries(Object.entries(current).filter(([name]) => !regex.test(name)))
        break
      case 'labelkeep':
        current = Object.fromEntries(Object.entries(current).filter(([name]) => regex.test(name)))
        break
    }
  }
  return current
}
