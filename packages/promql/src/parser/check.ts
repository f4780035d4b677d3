/**
 * Type-checks an AST the way Prometheus's parser does after building it: operand types of
 * operators, aggregations and function calls.
 */
import type { Expr, ValueType } from './ast.js'
import { isComparisonOp, isSetOp } from './ast.js'
import { functionSignature } from './functions.js'
import { selectsSomething } from './selector-rules.js'
import { PromqlSyntaxError } from './syntax-error.js'

const TYPE_NAMES: Readonly<Record<ValueType, string>> = {
  scalar: 'scalar',
  vector: 'instant vector',
  matrix: 'range vector',
  string: 'string',
}

/** The value type of an expression, without checking its children. */
export function typeOf(expr: Expr): ValueType {
  switch (expr.kind) {
    case 'number':
      return 'scalar'
    case 'string':
      return 'string'
    case 'vectorSelector':
      return 'vector'
    case 'matrixSelector':
    case 'subquery':
      return 'matrix'
    case 'call':
      return functionSignature(expr.name)?.returnType ?? 'vector'
    case 'aggregate':
      return 'vector'
    case 'binary':
      return typeOf(expr.lhs) === 'scalar' && typeOf(expr.rhs) === 'scalar' ? 'scalar' : 'vector'
    case 'unary':
    case 'paren':
      return typeOf(expr.expr)
  }
}

/** Throws a PromqlSyntaxError for the first type error found in `expr`. */
export function checkTypes(query: string, expr: Expr): void {
  const fail = (node: Expr, message: string): never => {
    throw new PromqlSyntaxError(query, node.range, message)
  }
  const expect = (node: Expr, want: ValueType, context: string): void => {
    const got = typeOf(node)
    if (got !== want) {
      fail(node, `expected type ${TYPE_NAMES[want]} in ${context}, got ${TYPE_NAMES[got]}`)
    }
  }

  switch (expr.kind) {
    case 'number':
    case 'string':
      return

    case 'vectorSelector':
    case 'matrixSelector': {
      const matchers = expr.kind === 'vectorSelector' ? expr.matchers : expr.selector.matchers
      if (!selectsSomething(matchers)) {
        fail(expr, 'vector selector must contain at least one non-empty matcher')
      }
      return
    }

    case 'paren':
      checkTypes(query, expr.expr)
      return

    case 'unary': {
      checkTypes(query, expr.expr)
      const type = typeOf(expr.expr)
      if (type !== 'scalar' && type !== 'vector') {
        fail(expr, 'unary expression only allowed on expressions of type scalar or instant vector')
      }
      return
    }

    case 'subquery': {
      checkTypes(query, expr.expr)
      const type = typeOf(expr.expr)
      if (type !== 'scalar' && type !== 'vector') {
        fail(expr, `subquery is only allowed on instant vector, got ${TYPE_NAMES[type]}`)
      }
      return
    }

    case 'aggregate': {
      checkTypes(query, expr.expr)
      if (expr.param !== undefined) checkTypes(query, expr.param)
      expect(expr.expr, 'vector', 'aggregation expression')
      if (expr.param === undefined) return
      const want = expr.op === 'count_values' ? 'string' : 'scalar'
      expect(expr.param, want, 'aggregation parameter')
      return
    }

    case 'call':
      checkCall(query, expr, fail, expect)
      return

    case 'binary': {
      checkTypes(query, expr.lhs)
      checkTypes(query, expr.rhs)
      const lhs = typeOf(expr.lhs)
      const rhs = typeOf(expr.rhs)
      const operandOk = (type: ValueType): boolean => type === 'scalar' || type === 'vector'
      if (!operandOk(lhs) || !operandOk(rhs)) {
        fail(expr, 'binary expression must contain only scalar and instant vector types')
      }
      if (expr.returnBool && !isComparisonOp(expr.op)) {
        fail(expr, 'bool modifier can only be used on comparison operators')
      }
      if (isComparisonOp(expr.op) && lhs === 'scalar' && rhs === 'scalar' && !expr.returnBool) {
        fail(expr, 'comparisons between scalars must use BOOL modifier')
      }
      if (isSetOp(expr.op) && (lhs === 'scalar' || rhs === 'scalar')) {
        fail(expr, `set operator "${expr.op}" not allowed in binary scalar expression`)
      }
      const explicitMatching =
        expr.matching !== undefined &&
        (expr.matching.on ||
          expr.matching.labels.length > 0 ||
          expr.matching.include.length > 0 ||
          (expr.matching.cardinality !== 'one-to-one' && !isSetOp(expr.op)))
      if (isSetOp(expr.op) && expr.matching?.fill !== undefined) {
        fail(expr, `fill modifiers are not allowed for set operator "${expr.op}"`)
      }
      if ((lhs === 'scalar' || rhs === 'scalar') && (explicitMatching || expr.matching?.fill)) {
        fail(expr, 'vector matching only allowed between instant vectors')
      }
      return
    }
  }
}

function checkCall(
  query: string,
  expr: Extract<Expr, { kind: 'call' }>,
  fail: (node: Expr, message: string) => never,
  expect: (node: Expr, want: ValueType, context: string) => void,
): void {
  const signature = functionSignature(expr.name)
  if (signature === undefined) return fail(expr, `unknown function with name "${expr.name}"`)
  const { argTypes, variadic } = signature

  const count = expr.args.length
  const required = variadic > 0 ? argTypes.length - variadic : argTypes.length
  const tooFew = count < (variadic < 0 ? argTypes.length - 1 : required)
  const tooMany = variadic >= 0 && count > argTypes.length
  if (tooFew || tooMany) {
    const expected =
      variadic === 0
        ? `${argTypes.length}`
        : variadic < 0
          ? `at least ${argTypes.length - 1}`
          : `${required} to ${argTypes.length}`
    fail(
      expr,
      `wrong number of arguments for function ${expr.name}(), expected ${expected}, got ${count}`,
    )
  }

  expr.args.forEach((arg, index) => {
    // info()'s second argument names data labels; it may match every series.
    const labelSelector = expr.name === 'info' && index === 1 && arg.kind === 'vectorSelector'
    if (!labelSelector) checkTypes(query, arg)
    const want = argTypes[Math.min(index, argTypes.length - 1)] ?? 'vector'
    expect(arg, want, `call to function "${expr.name}"`)
  })
}
