/**
 * Compiled label matchers. Regular expressions are fully anchored and `.` matches a newline,
 * as in Prometheus. A label that is absent matches as the empty string.
 */

import type { LabelMatcher, Labels } from '../model/series.js'
import { compilePromqlRegex } from '../parser/regex.js'
import type { PromqlRegex } from '../parser/regex.js'

/** A matcher ready to test values. */
export interface CompiledMatcher {
  readonly name: string
  readonly matches: (value: string) => boolean
  /** Whether a series without the label matches; such matchers cannot narrow by postings. */
  readonly matchesEmpty: boolean
  /** The exact value for `=` matchers, for a direct postings lookup. */
  readonly equals?: string
}

/** Compiles a matcher; throws a SyntaxError naming the pattern for an invalid regex. */
export function compileMatcher(matcher: LabelMatcher): CompiledMatcher {
  const { name, type, value } = matcher
  switch (type) {
    case '=':
      return { name, matches: (v) => v === value, matchesEmpty: value === '', equals: value }
    case '!=':
      return { name, matches: (v) => v !== value, matchesEmpty: value !== '' }
    case '=~': {
      const regex = anchoredRegex(value)
      return { name, matches: (v) => regex.test(v), matchesEmpty: regex.test('') }
    }
    case '!~': {
      const regex = anchoredRegex(value)
      return { name, matches: (v) => !regex.test(v), matchesEmpty: !regex.test('') }
    }
  }
}

/** Whether the label set satisfies every matcher. */
export function matchesAll(labels: Labels, matchers: readonly CompiledMatcher[]): boolean {
  for (const matcher of matchers) {
    if (!matcher.matches(labels[matcher.name] ?? '')) return false
  }
  return true
}

function anchoredRegex(pattern: string): PromqlRegex {
  try {
    // The same compiler (and cache) as the parser, so a pattern matches here exactly as it
    // was validated there.
    return compilePromqlRegex(pattern)
  } catch (error) {
    throw new SyntaxError(`invalid regular expression ${JSON.stringify(pattern)}`, {
      cause: error,
    })
  }
}
