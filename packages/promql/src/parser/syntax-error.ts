/**
 * The error raised for a query that cannot be parsed or does not type-check.
 */
import type { SourceRange } from './ast.js'

/** Where in the query text an error was found; line and column count from 1. */
export interface ErrorPosition {
  readonly offset: number
  readonly line: number
  readonly column: number
}

/**
 * A query the parser rejected. `code` is stable for callers to switch on; `position` points at
 * the first character of the offending text.
 *
 * @example
 * try { parseExpr('rate(x)') } catch (error) {
 *   if (error instanceof PromqlSyntaxError) console.log(error.position.column, error.detail)
 * }
 */
export class PromqlSyntaxError extends Error {
  readonly code = 'promql_syntax_error'
  readonly position: ErrorPosition
  readonly range: SourceRange
  /** The message without the position prefix. */
  readonly detail: string

  constructor(query: string, range: SourceRange, detail: string) {
    const position = positionOf(query, range.start)
    super(`${position.line}:${position.column}: parse error: ${detail}`)
    this.name = 'PromqlSyntaxError'
    this.position = position
    this.range = range
    this.detail = detail
  }
}

/** Converts a character offset into a 1-based line and column. */
export function positionOf(query: string, offset: number): ErrorPosition {
  let line = 1
  let lineStart = 0
  for (let index = 0; index < offset && index < query.length; index++) {
    if (query.charCodeAt(index) === 10) {
      line++
      lineStart = index + 1
    }
  }
  return { offset, line, column: offset - lineStart + 1 }
}
