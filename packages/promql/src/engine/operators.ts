/**
 * The arithmetic and comparison of two floats, as PromQL (and Go's math package) define them.
 */
import type { ArithmeticOp, BinaryOp, ComparisonOp } from '../parser/ast.js'
import { isComparisonOp } from '../parser/ast.js'

/** `left op right` for an arithmetic operator. */
export function arithmetic(op: ArithmeticOp, left: number, right: number): number {
  switch (op) {
    case '+':
      return left + right
    case '-':
      return left - right
    case '*':
      return left * right
    case '/':
      return left / right
    case '%':
      return left % right
    case '^':
      return power(left, right)
    case 'atan2':
      return Math.atan2(left, right)
  }
}

/** Go's math.Pow: 1 for a zero exponent or a base of 1, and (-1)^±Inf is 1. */
function power(base: number, exponent: number): number {
  if (exponent === 0 || base === 1) return 1
  if (base === -1 && !Number.isFinite(exponent) && !Number.isNaN(exponent)) return 1
  return base ** exponent
}

/** Whether `left op right` holds; any comparison with NaN is false except `!=`. */
export function compare(op: ComparisonOp, left: number, right: number): boolean {
  switch (op) {
    case '==':
      return left === right
    case '!=':
      return left !== right
    case '>':
      return left > right
    case '<':
      return left < right
    case '>=':
      return left >= right
    case '<=':
      return left <= right
  }
}

/**
 * Applies a non-set operator: `keep` is false when a comparison filters the pair out. A
 * comparison's value is the left operand (or 0/1 with `bool`).
 */
export function applyOperator(
  op: BinaryOp,
  left: number,
  right: number,
  returnBool: boolean,
): { value: number; keep: boolean } {
  if (isComparisonOp(op)) {
    const holds = compare(op, left, right)
    if (returnBool) return { value: holds ? 1 : 0, keep: true }
    return { value: left, keep: holds }
  }
  return { value: arithmetic(op as ArithmeticOp, left, right), keep: true }
}
