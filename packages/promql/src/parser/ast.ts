/**
 * The typed syntax tree of a PromQL expression.
 *
 * Every node carries the half-open character range `[start, end)` it was parsed from, so that
 * type errors found after parsing can still point at the offending text.
 */
import type { LabelMatcher } from '../model/series.js'

/** A half-open range of character offsets into the query text. */
export interface SourceRange {
  readonly start: number
  readonly end: number
}

/** The four value types of PromQL. */
export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string'

/** The aggregation operators, `sum` through `limit_ratio`. */
export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values'
  | 'limitk'
  | 'limit_ratio'

/** Operators that compute a new value (and drop the metric name). */
export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2'
/** Operators that filter, or return 0/1 with `bool`. */
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<='
/** Operators that combine vectors by label sets, ignoring values. */
export type SetOp = 'and' | 'or' | 'unless'
/** Every binary operator. */
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp

/** `@ <timestamp>`, `@ start()` or `@ end()`. */
export type AtModifier =
  | { readonly kind: 'timestamp'; readonly timestampMs: number }
  | { readonly kind: 'start' }
  | { readonly kind: 'end' }

/**
 * A duration that depends on the query (`step()`, `range()`), kept as a tree until the
 * query's step and range are known. Constant durations are folded to milliseconds instead.
 */
export type DurationExpression =
  | { readonly kind: 'duration'; readonly ms: number }
  | { readonly kind: 'step' }
  | { readonly kind: 'range' }
  | { readonly kind: 'negate'; readonly expr: DurationExpression }
  | {
      readonly kind: 'arithmetic'
      readonly op: '+' | '-' | '*' | '/' | '%' | '^'
      readonly lhs: DurationExpression
      readonly rhs: DurationExpression
    }
  | {
      readonly kind: 'min' | 'max'
      readonly lhs: DurationExpression
      readonly rhs: DurationExpression
    }

/** A number, `Inf`/`NaN`, hex integer or duration used as seconds (`5m` is 300). */
export interface NumberLiteral {
  readonly kind: 'number'
  readonly value: number
  readonly range: SourceRange
}

/** A string literal, already unquoted. */
export interface StringLiteral {
  readonly kind: 'string'
  readonly value: string
  readonly range: SourceRange
}

/** `name{label="value"}`: the newest sample of each series within the lookback delta. */
export interface VectorSelector {
  readonly kind: 'vectorSelector'
  /** The metric name written before the braces, if any (it is also among `matchers`). */
  readonly name: string | undefined
  readonly matchers: readonly LabelMatcher[]
  readonly offsetMs: number
  /** Set when the offset uses `step()` or `range()`; `offsetMs` is then resolved per query. */
  readonly offsetExpr?: DurationExpression
  readonly at: AtModifier | undefined
  /**
   * `anchored`: a range window also takes the last sample before it; `smoothed`: values at
   * the window's (or instant's) edges are interpolated between neighbouring samples.
   */
  readonly edges?: 'anchored' | 'smoothed'
  readonly range: SourceRange
}

/** `selector[range]`: every sample of each series in a window. */
export interface MatrixSelector {
  readonly kind: 'matrixSelector'
  /** Offset and `@` of a range selector live on its vector selector, as in Prometheus. */
  readonly selector: VectorSelector
  readonly rangeMs: number
  readonly rangeExpr?: DurationExpression
  readonly range: SourceRange
}

/** `expr[range:step]`: an instant expression evaluated at steps inside a window. */
export interface SubqueryExpr {
  readonly kind: 'subquery'
  readonly expr: Expr
  readonly rangeMs: number
  /** Undefined when omitted (`[5m:]`): the engine's default subquery step applies. */
  readonly stepMs: number | undefined
  readonly offsetMs: number
  readonly rangeExpr?: DurationExpression
  readonly stepExpr?: DurationExpression
  readonly offsetExpr?: DurationExpression
  readonly at: AtModifier | undefined
  readonly range: SourceRange
}

/** A function call; `name` is one of the signatures in `functions.ts`. */
export interface CallExpr {
  readonly kind: 'call'
  readonly name: string
  readonly args: readonly Expr[]
  readonly range: SourceRange
}

/** `op by|without (labels) ([param,] expr)`. */
export interface AggregateExpr {
  readonly kind: 'aggregate'
  readonly op: AggregateOp
  readonly expr: Expr
  /** The first argument of topk, bottomk, quantile, count_values, limitk and limit_ratio. */
  readonly param: Expr | undefined
  readonly grouping: readonly string[]
  readonly without: boolean
  readonly range: SourceRange
}

/** One-to-one by default; `group_left`/`group_right` for many-to-one and one-to-many. */
export type MatchCardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many'

/** How the series of the two sides of a vector/vector operation are paired. */
export interface VectorMatching {
  readonly cardinality: MatchCardinality
  /** True for `on(...)`, false for `ignoring(...)` or no clause. */
  readonly on: boolean
  readonly labels: readonly string[]
  /** The labels listed in `group_left(...)` or `group_right(...)`. */
  readonly include: readonly string[]
  /**
   * `fill(v)`, `fill_left(v)`, `fill_right(v)`: the value that stands in for a missing
   * partner on that side, so unmatched series still produce a result.
   */
  readonly fill?: { readonly lhs?: number; readonly rhs?: number }
}

/** `lhs op [bool] [on|ignoring (...)] [group_left|group_right (...)] rhs`. */
export interface BinaryExpr {
  readonly kind: 'binary'
  readonly op: BinaryOp
  readonly lhs: Expr
  readonly rhs: Expr
  readonly returnBool: boolean
  /** Set when both sides are instant vectors. */
  readonly matching: VectorMatching | undefined
  readonly range: SourceRange
}

/** `-expr` or `+expr`. */
export interface UnaryExpr {
  readonly kind: 'unary'
  readonly op: '+' | '-'
  readonly expr: Expr
  readonly range: SourceRange
}

/** `(expr)`, kept so positions and printing stay faithful. */
export interface ParenExpr {
  readonly kind: 'paren'
  readonly expr: Expr
  readonly range: SourceRange
}

/** Any PromQL expression; switch on `kind`. */
export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | CallExpr
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr

/** True for the operators whose result is a filter (or 0/1 with `bool`). */
export function isComparisonOp(op: BinaryOp): op is ComparisonOp {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<='
}

/** True for `and`, `or` and `unless`. */
export function isSetOp(op: BinaryOp): op is SetOp {
  return op === 'and' || op === 'or' || op === 'unless'
}
