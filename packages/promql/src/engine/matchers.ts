/**
 * Label matchers compiled once for repeated testing against label sets.
 */
import type { LabelMatcher, Labels } from '../model/series.js'
import { compilePromqlRegex } from '../parser/regex.js'

/** A matcher (or conjunction of matchers) ready to test label sets. */
export type CompiledMatcher = (labels: Labels) => boolean

/** Compiles a matcher; an absent label matches as the empty string, as in Prometheus. */
export function compileMatcher(matcher: LabelMatcher): CompiledMatcher {
  const { name, value } = matcher
  switch (matcher.type) {
    case '=':
      return (labels) => (labels[name] ?? '') === value
    case '!=':
      return (labels) => (labels[name] ?? '') !== value
    case '=~': {
      const regex = compilePromqlRegex(value)
      return (labels) => regex.test(labels[name] ?? '')
    }
    case '!~': {
      const regex = compilePromqlRegex(value)
      return (labels) => !regex.test(labels[name] ?? '')
    }
  }
}

/** A predicate true when every matcher matches. */
export function compileMatchers(matchers: readonly LabelMatcher[]): CompiledMatcher {
  const compiled = matchers.map(compileMatcher)
  return (labels) => compiled.every((test) => test(labels))
}
