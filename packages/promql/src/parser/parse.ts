/**
 * The entry point of the parser: query text in, typed and checked AST out.
 */
import type { SyntaxNode } from '@lezer/common'
import { parser } from '@prometheus-io/lezer-promql'

import type { Expr } from './ast.js'
import { AstBuilder } from './build-ast.js'
import { checkTypes } from './check.js'
import { PromqlSyntaxError } from './syntax-error.js'

/**
 * Parses a PromQL expression with the Prometheus project's own grammar.
 *
 * @throws PromqlSyntaxError with the offset, line and column of the first problem.
 * @example
 * const ast = parseExpr('sum by (job) (rate(http_requests_total[5m]))')
 */
export function parseExpr(query: string): Expr {
  const tree = parser.parse(
    lowercaseDurationFunctions(maskScalarMinMax(blankTrailingPoints(query))),
  )
  const top = tree.topNode

  const errorNode = findError(top)
  if (errorNode !== undefined) throw describeError(query, errorNode)

  const expr = new AstBuilder(query).build(top)
  checkTypes(query, expr)
  return expr
}

/**
 * PromQL accepts a number with a trailing point (`2.`, `1./6.`) that the lezer grammar does
 * not. Blanking the point keeps every offset in place and leaves the same number.
 */
function blankTrailingPoints(query: string): string {
  let out = ''
  let quote = ''
  for (let index = 0; index < query.length; index++) {
    const char = query[index] ?? ''
    if (quote !== '') {
      if (char === '\\' && quote !== '`') {
        out += char + (query[index + 1] ?? '')
        index++
        continue
      }
      if (char === quote) quote = ''
      out += char
      continue
    }
    if (char === '"' || char === "'" || char === '`') quote = char
    if (char === '.' && endsDecimalRun(query, index) && !/[0-9eE]/.test(query[index + 1] ?? '')) {
      out += ' '
      continue
    }
    out += char
  }
  return out
}

/**
 * PromQL reads `step()` and `range()` in any case (`STEP()`), the grammar only in lower case.
 * Both spellings have the same length, so offsets stay in place.
 */
function lowercaseDurationFunctions(text: string): string {
  return text.replace(/\b(step|range)(\s*\(\s*\))/gi, (_whole, name: string, call: string) => {
    return name.toLowerCase() + call
  })
}

/**
 * The grammar knows `min_of()`/`max_of()` only inside durations, while PromQL also has them
 * as scalar functions. Outside brackets and offsets they are parsed under the name of another
 * function of the same length; the builder reads the real name from the original text.
 */
function maskScalarMinMax(text: string): string {
  if (!/\b(min|max)_of\b/.test(text)) return text
  let out = ''
  let quote = ''
  let brackets = 0
  let parens = 0
  // After `offset`, the duration runs through signs and one primary: a literal or a
  // parenthesised or called group, during which min_of/max_of are duration functions.
  let offsetPending = false
  let protectedDepth = -1
  for (let index = 0; index < text.length; index++) {
    const char = text[index] ?? ''
    if (quote !== '') {
      if (char === '\\' && quote !== '`') {
        out += char + (text[index + 1] ?? '')
        index++
      } else {
        if (char === quote) quote = ''
        out += char
      }
      continue
    }

    const atWordStart = index === 0 || !/[\w:]/.test(text[index - 1] ?? '')
    if (atWordStart && /^offset\b/.test(text.slice(index))) {
      offsetPending = true
      out += 'offset'
      index += 5
      continue
    }
    if (offsetPending && protectedDepth < 0) {
      if (char === '(') protectedDepth = parens
      else if (/[0-9.]/.test(char)) offsetPending = false
    }

    if (char === '"' || char === "'" || char === '`') quote = char
    if (char === '[') brackets++
    if (char === ']') brackets--
    if (char === '(') parens++
    if (char === ')') {
      parens--
      if (parens === protectedDepth) {
        protectedDepth = -1
        offsetPending = false
      }
    }

    const call = /^(min|max)_of\s*\(/.exec(text.slice(index))
    const masked = call !== null && atWordStart && brackets === 0 && !offsetPending
    if (masked) {
      out += 'vector'
      index += 5
      continue
    }
    out += char
  }
  return out
}

/** True when the characters before `index` are a run of digits that starts a token. */
function endsDecimalRun(query: string, index: number): boolean {
  let start = index
  while (start > 0 && /[0-9]/.test(query[start - 1] ?? '')) start--
  if (start === index) return false
  return start === 0 || !/[\w:.]/.test(query[start - 1] ?? '')
}

function findError(top: SyntaxNode): SyntaxNode | undefined {
  let found: SyntaxNode | undefined
  top.cursor().iterate((ref) => {
    if (found !== undefined) return false
    if (ref.type.isError) {
      found = ref.node
      return false
    }
    return true
  })
  return found
}

function describeError(query: string, node: SyntaxNode): PromqlSyntaxError {
  if (query.trim() === '') {
    return new PromqlSyntaxError(query, { start: 0, end: 0 }, 'no expression found in input')
  }

  // An identifier the grammar does not know as a function, followed by a call.
  const before = /([a-zA-Z_][a-zA-Z0-9_:]*)\s*$/.exec(query.slice(0, node.from))
  if (before?.[1] !== undefined && query.slice(node.from).trimStart().startsWith('(')) {
    const start = node.from - before[0].length
    const range = { start, end: start + before[1].length }
    return new PromqlSyntaxError(query, range, `unknown function with name "${before[1]}"`)
  }

  const text = query.slice(node.from, node.to)
  if (text !== '') {
    return new PromqlSyntaxError(query, { start: node.from, end: node.to }, `unexpected "${text}"`)
  }

  const rest = query.slice(node.from).trimStart()
  const start = query.length - rest.length
  if (rest === '') {
    return new PromqlSyntaxError(query, { start, end: start }, 'unexpected end of input')
  }
  const token = /^(\w+|[^\s\w]+)/.exec(rest)?.[0] ?? rest.charAt(0)
  return new PromqlSyntaxError(query, { start, end: start + token.length }, `unexpected "${token}"`)
}
