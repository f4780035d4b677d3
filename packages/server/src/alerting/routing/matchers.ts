/**
 * Alertmanager label matchers: `severity="critical"`, `team=~"db|infra"`, `env!=dev`.
 *
 * Regex values are RE2 patterns matched against the whole label value, as in Alertmanager.
 * They run on the PromQL engine's RE2 automaton, whose time is linear in the value: matchers
 * come from API callers (silences, `filter=`), and a backtracking engine would let one
 * pattern such as `((a+)+)+b` stall the process.
 */
import type { PromqlRegex } from '@rampart/promql'
import { compilePromqlRegex } from '@rampart/promql'

export type MatcherType = '=' | '!=' | '=~' | '!~'

export interface Matcher {
  readonly name: string
  readonly type: MatcherType
  readonly value: string
}

export type AlertLabels = Readonly<Record<string, string>>

/** The anchored RE2 regex of a pattern (cached by the engine); throws on invalid syntax. */
function regexOf(pattern: string): PromqlRegex {
  return compilePromqlRegex(pattern)
}

/** Whether one matcher holds; a missing label matches as the empty string. */
export function matches(matcher: Matcher, labels: AlertLabels): boolean {
  const value = labels[matcher.name] ?? ''
  switch (matcher.type) {
    case '=':
      return value === matcher.value
    case '!=':
      return value !== matcher.value
    case '=~':
      return regexOf(matcher.value).test(value)
    case '!~':
      return !regexOf(matcher.value).test(value)
  }
}

export function matchesAll(matchers: readonly Matcher[], labels: AlertLabels): boolean {
  return matchers.every((matcher) => matches(matcher, labels))
}

const matcherPattern =
  /^\s*("(?:[^"\\]|\\.)+"|[^\s=!~"{},]+)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,}]*?)\s*$/

function unquote(text: string): string {
  return text.startsWith('"') ? (JSON.parse(text) as string) : text
}

/** Splits `a="x,y", b=~"z"` at commas outside quotes. */
function splitList(text: string): string[] {
  const parts: string[] = []
  let current = ''
  let quoted = false
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? ''
    if (char === '\\' && quoted) {
      current += char + (text[index + 1] ?? '')
      index++
      continue
    }
    if (char === '"') quoted = !quoted
    if (char === ',' && !quoted) {
      parts.push(current)
      current = ''
    } else current += char
  }
  if (current.trim() !== '') parts.push(current)
  return parts
}

/** Why a matcher cannot be used (a regex that does not compile); undefined when it can. */
export function matcherProblem(matcher: Matcher): string | undefined {
  if (matcher.type !== '=~' && matcher.type !== '!~') return undefined
  try {
    regexOf(matcher.value)
    return undefined
  } catch (error) {
    return `invalid regular expression: ${(error as Error).message}`
  }
}

/** `name=~"value"`, as Alertmanager prints one matcher. */
export function formatMatcher(matcher: Matcher): string {
  return `${matcher.name}${matcher.type}${JSON.stringify(matcher.value)}`
}

/** Parses one matcher; throws with the reason for a malformed one or a bad regex. */
export function parseMatcher(text: string): Matcher {
  const match = matcherPattern.exec(text)
  if (match === null) throw new Error(`bad matcher format: ${text}`)
  const [, rawName = '', type = '=', rawValue = ''] = match
  const matcher = { name: unquote(rawName), type: type as MatcherType, value: unquote(rawValue) }
  const problem = matcherProblem(matcher)
  if (problem !== undefined) throw new Error(`matcher ${formatMatcher(matcher)}: ${problem}`)
  return matcher
}

/** Parses a list of matcher strings, each of which may hold several (`{a="b",c="d"}`). */
export function parseMatchers(items: readonly string[]): Matcher[] {
  return items.flatMap((item) => {
    const trimmed = item.trim()
    const body = trimmed.startsWith('{') && trimmed.endsWith('}') ? trimmed.slice(1, -1) : trimmed
    return splitList(body).map(parseMatcher)
  })
}

/** `{a="b", c=~"d"}`, as Alertmanager prints a matcher set. */
export function formatMatchers(matchers: readonly Matcher[]): string {
  return `{${matchers.map(formatMatcher).join(',')}}`
}
