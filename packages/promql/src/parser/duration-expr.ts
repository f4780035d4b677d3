/**
 * Evaluates the constant duration arithmetic allowed inside brackets and after `offset`
 * (`[5m]`, `[1h+30m]`, `offset -(2*5m)`), producing milliseconds.
 */
import type { SyntaxNode } from '@lezer/common'

import { parseDurationMs } from './duration.js'
import { parseNumber } from './literals.js'

/** Thrown for a duration the parser cannot reduce to a constant; carries the node. */
export class DurationError extends Error {
  constructor(
    readonly node: SyntaxNode,
    message: string,
  ) {
    super(message)
  }
}

const ARITHMETIC = new Set(['Add', 'Sub', 'Mul', 'Div', 'Mod', 'Pow'])

/** Milliseconds of a `DurationExpr` or `OffsetDurationExpr` node. */
export function evaluateDuration(node: SyntaxNode, query: string): number {
  const children = childrenOf(node)
  const first = children[0]
  if (first === undefined) throw new DurationError(node, 'missing duration')

  if (first.name === 'NumberDurationLiteralInDurationContext') {
    const text = query.slice(first.from, first.to)
    const durationMs = parseDurationMs(text)
    if (durationMs !== undefined) return durationMs
    const seconds = parseNumber(text)
    if (seconds === undefined) throw new DurationError(first, `bad duration "${text}"`)
    return Math.round(seconds * 1000)
  }

  if (first.name === 'UnaryOp') {
    const operand = children[1]
    if (operand === undefined) throw new DurationError(node, 'missing duration')
    const value = evaluateDuration(operand, query)
    return query.slice(first.from, first.to) === '-' ? -value : value
  }

  const operator = children[1]
  if (children.length === 3 && operator !== undefined && ARITHMETIC.has(operator.name)) {
    const left = evaluateDuration(first, query) / 1000
    const right = evaluateDuration(children[2] as SyntaxNode, query) / 1000
    return Math.round(applyArithmetic(operator.name, left, right) * 1000)
  }

  if (children.length === 1 && first.name === 'DurationExpr') {
    return evaluateDuration(first, query)
  }

  // TODO(#7): step(), range(), min_of() and max_of() need the query's step and range at
  // evaluation time; they sit behind Prometheus's experimental duration-expression flag.
  throw new DurationError(
    node,
    `unsupported duration expression "${query.slice(node.from, node.to)}"`,
  )
}

function applyArithmetic(operator: string, left: number, right: number): number {
  switch (operator) {
    case 'Add':
      return left + right
    case 'Sub':
      return left - right
    case 'Mul':
      return left * right
    case 'Div':
      return left / right
    case 'Mod':
      return left % right
    default:
      return left ** right
  }
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = []
  for (let child = node.firstChild; child !== null; child = child.nextSibling) out.push(child)
  return out
}
