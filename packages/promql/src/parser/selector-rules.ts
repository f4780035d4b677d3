/**
 * Rules about selectors that need the matchers' meaning rather than their syntax.
 */
import type { LabelMatcher } from '../model/series.js'
import { compilePromqlRegex } from './regex.js'

/** True when the matcher accepts a missing label (the empty string). */
export function matchesEmpty(matcher: LabelMatcher): boolean {
  switch (matcher.type) {
    case '=':
      return matcher.value === ''
    case '!=':
      return matcher.value !== ''
    default:
      return compilePromqlRegex(matcher.value).test('') === (matcher.type === '=~')
  }
}

/** A selector must narrow the series down: some matcher must reject the empty string. */
export function selectsSomething(matchers: readonly LabelMatcher[]): boolean {
  return matchers.some((matcher) => !matchesEmpty(matcher))
}
