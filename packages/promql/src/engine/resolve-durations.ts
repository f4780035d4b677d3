/**
 * Replaces the query-dependent durations of an AST (`step()`, `range()`) with milliseconds
 * once the query's step and range are known, so the evaluator only sees numbers.
 */
import type { DurationExpression, Expr, VectorSelector } from '../parser/ast.js'
import { durationMs } from '../parser/duration-expr.js'
import type { DurationContext } from '../parser/duration-expr.js'
import { PromqlExecutionError } from './errors.js'

/** `expr` with every duration tree resolved; the same object when it has none. */
export function resolveDurations(expr: Expr, context: DurationContext): Expr {
  const resolve = (duration: DurationExpression, what: string, positive: boolean): number => {
    const ms = durationMs(duration, context) ?? 0
    if (positive && !(ms > 0)) {
      throw new PromqlExecutionError('bad_data', `${what} duration must be greater than 0`)
    }
    return ms
  }
  const selector = (node: VectorSelector): VectorSelector => {
    if (node.offsetExpr === undefined) return node
    const { offsetExpr, ...rest } = node
    return { ...rest, offsetMs: resolve(offsetExpr, 'offset', false) }
  }

  switch (expr.kind) {
    case 'number':
    case 'string':
      return expr
    case 'vectorSelector':
      return selector(expr)
    case 'matrixSelector': {
      const { rangeExpr, ...rest } = expr
      const rangeMs = rangeExpr === undefined ? expr.rangeMs : resolve(rangeExpr, 'range', true)
      return { ...rest, rangeMs, selector: selector(expr.selector) }
    }
    case 'subquery': {
      const { rangeExpr, stepExpr, offsetExpr, ...rest } = expr
      return {
        ...rest,
        expr: resolveDurations(expr.expr, context),
        rangeMs: rangeExpr === undefined ? expr.rangeMs : resolve(rangeExpr, 'range', true),
        stepMs: stepExpr === undefined ? expr.stepMs : resolve(stepExpr, 'step', true),
        offsetMs: offsetExpr === undefined ? expr.offsetMs : resolve(offsetExpr, 'offset', false),
      }
    }
    case 'paren':
    case 'unary':
      return { ...expr, expr: resolveDurations(expr.expr, context) }
    case 'call':
      return { ...expr, args: expr.args.map((arg) => resolveDurations(arg, context)) }
    case 'aggregate':
      return {
        ...expr,
        expr: resolveDurations(expr.expr, context),
        param: expr.param === undefined ? undefined : resolveDurations(expr.param, context),
      }
    case 'binary':
      return {
        ...expr,
        lhs: resolveDurations(expr.lhs, context),
        rhs: resolveDurations(expr.rhs, context),
      }
  }
}
