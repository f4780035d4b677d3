/**
 * Durations inside brackets and after `offset`: literals (`5m`, `300`), arithmetic
 * (`[1h+30m]`), and the query-dependent `step()`, `range()`, `min_of()` and `max_of()`.
 */
import type { SyntaxNode } from '@lezer/common'

import { arithmetic } from '../engine/operators.js'
import type { DurationExpression } from './ast.js'
import { parseDurationMs } from './duration.js'
import { parseNumber } from './literals.js'

/** Thrown for a malformed duration; carries the node. */
export class DurationError extends Error {
  constructor(
    readonly node: SyntaxNode,
    message: string,
  ) {
    super(message)
  }
}

const ARITHMETIC: Readonly<Record<string, '+' | '-' | '*' | '/' | '%' | '^'>> = {
  Add: '+',
  Sub: '-',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Pow: '^',
}

/** The tree of a `DurationExpr` or `OffsetDurationExpr` node. */
export function buildDuration(node: SyntaxNode, query: string): DurationExpression {
  const children = childrenOf(node)
  const first = children[0]
  if (first === undefined) throw new DurationError(node, 'missing duration')

  switch (first.name) {
    case 'NumberDurationLiteralInDurationContext': {
      const text = query.slice(first.from, first.to)
      const durationMs = parseDurationMs(text)
      if (durationMs !== undefined) return { kind: 'duration', ms: durationMs }
      const seconds = parseNumber(text)
      if (seconds === undefined) throw new DurationError(first, `bad duration "${text}"`)
      return { kind: 'duration', ms: Math.round(seconds * 1000) }
    }
    case 'UnaryOp': {
      const operand = children[1]
      if (operand === undefined) throw new DurationError(node, 'missing duration')
      const expr = buildDuration(operand, query)
      return query.slice(first.from, first.to) === '-' ? { kind: 'negate', expr } : expr
    }
    case 'DurationStep':
      return { kind: 'step' }
    case 'DurationRange':
      return { kind: 'range' }
    case 'DurationMinOf':
    case 'DurationMaxOf': {
      const [lhs, rhs] = children.slice(1).map((child) => buildDuration(child, query))
      if (lhs === undefined || rhs === undefined) throw new DurationError(node, 'missing duration')
      return { kind: first.name === 'DurationMinOf' ? 'min' : 'max', lhs, rhs }
    }
  }

  const operator = children[1]
  const op = operator === undefined ? undefined : ARITHMETIC[operator.name]
  if (children.length === 3 && op !== undefined) {
    const lhs = buildDuration(first, query)
    const rhs = buildDuration(children[2] as SyntaxNode, query)
    return { kind: 'arithmetic', op, lhs, rhs }
  }
  if (children.length === 1 && first.name === 'DurationExpr') return buildDuration(first, query)
  throw new DurationError(node, `unexpected duration "${query.slice(node.from, node.to)}"`)
}

/** The query's step and range, which `step()` and `range()` stand for. */
export interface DurationContext {
  readonly stepMs: number
  readonly rangeMs: number
}

/**
 * Milliseconds of a duration tree; without a context, undefined when it needs one. Arithmetic
 * works in seconds, as Prometheus defines it.
 */
export function durationMs(
  expr: DurationExpression,
  context?: DurationContext,
): number | undefined {
  switch (expr.kind) {
    case 'duration':
      return expr.ms
    case 'step':
      return context?.stepMs
    case 'range':
      return context?.rangeMs
    case 'negate': {
      const value = durationMs(expr.expr, context)
      return value === undefined ? undefined : -value
    }
    default: {
      const lhs = durationMs(expr.lhs, context)
      const rhs = durationMs(expr.rhs, context)
      if (lhs === undefined || rhs === undefined) return undefined
      if (expr.kind === 'min') return Math.min(lhs, rhs)
      if (expr.kind === 'max') return Math.max(lhs, rhs)
      if (expr.kind !== 'arithmetic') return undefined
      return Math.round(arithmetic(expr.op, lhs / 1000, rhs / 1000) * 1000)
    }
  }
}

function childrenOf(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = []
  for (let child = node.firstChild; child !== null; child = child.nextSibling) out.push(child)
  return out
}
