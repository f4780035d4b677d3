/**
 * PromQL regular expressions: RE2 patterns matched against the whole value, with `.` matching
 * newlines (Prometheus compiles `^(?s:pattern)$`). Matching runs on re2js, a JavaScript port of
 * RE2 whose automata take time linear in the input, so no pattern can stall the process the way
 * a backtracking engine does on `(a+)+b`. Literal values, alternations of literals, and a
 * literal with `.*` before and/or after it (prefix, suffix, substring), by far the most common
 * matchers, skip the automaton; `.` matches newlines here, so these shortcuts are exact.
 */
import { RE2JS } from 're2js'

/** A compiled PromQL regular expression, anchored at both ends. */
export interface PromqlRegex {
  /** The pattern as written, without the implicit anchors. */
  readonly pattern: string
  /** Whether the pattern matches the whole of `value`. */
  test(value: string): boolean
  /**
   * The capture groups of a whole-value match in RegExp's shape (index 0 is the value, named
   * groups under `groups`, unmatched groups undefined), or null when the pattern does not match.
   */
  exec(value: string): RegExpExecArray | null
}

const CACHE_LIMIT = 1000
const cache = new Map<string, PromqlRegex>()

// Characters with a meaning in RE2 syntax; a pattern without any of them is a literal.
const META = /[\\.+*?()|[\]{}^$]/

/**
 * Compiles a PromQL regex matcher value. Throws a SyntaxError naming RE2's complaint when the
 * pattern is not valid RE2 syntax (backreferences and lookarounds are not).
 *
 * @example
 * compilePromqlRegex('api|web').test('web') // true
 * compilePromqlRegex('(?i)GET').test('get') // true
 */
export function compilePromqlRegex(pattern: string): PromqlRegex {
  const cached = cache.get(pattern)
  if (cached !== undefined) return cached

  const regex = literalRegex(pattern) ?? automatonRegex(pattern)
  if (cache.size >= CACHE_LIMIT) cache.clear()
  cache.set(pattern, regex)
  return regex
}

/** A regex for a literal or an alternation of literals, or undefined for anything else. */
function literalRegex(pattern: string): PromqlRegex | undefined {
  if (pattern === '.*') return fixedRegex(pattern, () => true)
  if (pattern === '.+') return fixedRegex(pattern, (value) => value !== '')

  const affixed = affixRegex(pattern)
  if (affixed !== undefined) return affixed

  const alternatives = pattern.split('|')
  if (alternatives.some((alternative) => META.test(alternative))) return undefined
  if (alternatives.length === 1) return fixedRegex(pattern, (value) => value === pattern)

  const members = new Set(alternatives)
  return fixedRegex(pattern, (value) => members.has(value))
}

/** `lit.*`, `.*lit` and `.*lit.*` as string tests, or undefined for anything else. */
function affixRegex(pattern: string): PromqlRegex | undefined {
  const leading = pattern.startsWith('.*')
  const trailing = pattern.endsWith('.*') && pattern.length >= (leading ? 4 : 2)
  if (!leading && !trailing) return undefined

  const literal = pattern.slice(leading ? 2 : 0, trailing ? -2 : undefined)
  if (literal === '' || META.test(literal)) return undefined
  if (leading && trailing) return fixedRegex(pattern, (value) => value.includes(literal))
  if (leading) return fixedRegex(pattern, (value) => value.endsWith(literal))
  return fixedRegex(pattern, (value) => value.startsWith(literal))
}

function fixedRegex(pattern: string, test: (value: string) => boolean): PromqlRegex {
  return {
    pattern,
    test,
    exec: (value) => (test(value) ? execArray(value, [value], undefined) : null),
  }
}

function automatonRegex(pattern: string): PromqlRegex {
  let compiled: RE2JS
  try {
    compiled = RE2JS.compile(pattern, RE2JS.DOTALL)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new SyntaxError(reason, { cause: error })
  }

  const groupCount = compiled.groupCount()
  const groupNames = Object.keys(compiled.namedGroups())
  return {
    pattern,
    test: (value) => compiled.testExact(value),
    exec: (value) => {
      const matcher = compiled.matcher(value)
      if (!matcher.matches()) return null

      const groups: (string | undefined)[] = [value]
      for (let index = 1; index <= groupCount; index++) {
        groups.push(matcher.group(index) ?? undefined)
      }
      if (groupNames.length === 0) return execArray(value, groups, undefined)

      const named: Record<string, string | undefined> = {}
      for (const name of groupNames) named[name] = matcher.group(name) ?? undefined
      return execArray(value, groups, named)
    },
  }
}

function execArray(
  value: string,
  groups: (string | undefined)[],
  named: Record<string, string | undefined> | undefined,
): RegExpExecArray {
  return Object.assign(groups, { index: 0, input: value, groups: named }) as RegExpExecArray
}
