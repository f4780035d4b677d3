/**
 * The tree walk: evaluates any expression over every step of a timeline.
 */
import type { Expr } from '../parser/ast.js'
import { isSetOp } from '../parser/ast.js'
import { aggregate } from './aggregate.js'
import type { AggregateParam } from './aggregate.js'
import { scalarBinary, setBinary, vectorBinary, vectorScalarBinary } from './binary.js'
import { evalCall } from './call.js'
import type { EvalContext } from './context.js'
import { mapSamples } from './math-functions.js'
import { atTimestamp, evalMatrixSelector, evalVectorSelector } from './selectors.js'
import { evalSubquery } from './subquery.js'
import type { EvalValue, ScalarValue, Timeline, VectorValue } from './values.js'

/** Evaluates `expr` at every step of `timeline`. */
export function evaluate(expr: Expr, timeline: Timeline, context: EvalContext): EvalValue {
  context.checkCancelled()

  switch (expr.kind) {
    case 'number':
      return { kind: 'scalar', values: new Float64Array(timeline.count).fill(expr.value) }
    case 'string':
      return { kind: 'string', value: expr.value }
    case 'paren':
      return evaluate(expr.expr, timeline, context)
    case 'vectorSelector':
      return evalVectorSelector(expr, timeline, context)
    case 'matrixSelector':
      return evalMatrixSelector(expr, timeline, context)
    case 'subquery':
      return evalSubqueryAt(expr, timeline, context)
    case 'call':
      return evalCall(expr, timeline, context, evaluate)
    case 'unary': {
      const operand = evaluate(expr.expr, timeline, context)
      if (expr.op === '+') return operand
      if (operand.kind === 'scalar') {
        return { kind: 'scalar', values: operand.values.map((value) => -value) }
      }
      return mapSamples(operand as VectorValue, (value) => -value)
    }
    case 'aggregate': {
      const input = evaluate(expr.expr, timeline, context) as VectorValue
      let param: AggregateParam
      if (expr.param !== undefined) {
        const value = evaluate(expr.param, timeline, context)
        param = value.kind === 'string' ? value.value : (value as ScalarValue).values
      }
      return aggregate(expr, input, param, timeline, context)
    }
    case 'binary': {
      const lhs = evaluate(expr.lhs, timeline, context)
      const rhs = evaluate(expr.rhs, timeline, context)
      if (lhs.kind === 'scalar' && rhs.kind === 'scalar') return scalarBinary(expr, lhs, rhs)
      if (lhs.kind === 'scalar') return vectorScalarBinary(expr, rhs as VectorValue, lhs, true)
      if (rhs.kind === 'scalar') return vectorScalarBinary(expr, lhs as VectorValue, rhs, false)
      if (isSetOp(expr.op)) {
        return setBinary(expr, lhs as VectorValue, rhs as VectorValue, timeline.count)
      }
      return vectorBinary(expr, lhs as VectorValue, rhs as VectorValue, timeline.count, context)
    }
  }
}

/**
 * A subquery pinned by `@` is the same range at every step; it is evaluated once and shared.
 */
function evalSubqueryAt(
  expr: Extract<Expr, { kind: 'subquery' }>,
  timeline: Timeline,
  context: EvalContext,
): EvalValue {
  if (atTimestamp(context, expr.at) === undefined || timeline.count === 1) {
    return evalSubquery(expr, timeline, context, evaluate)
  }
  const single = evalSubquery(expr, { ...timeline, count: 1 }, context, evaluate)
  const ends = new Float64Array(timeline.count).fill(single.windowEndsMs[0] ?? 0)
  return { ...single, windowEndsMs: ends }
}
