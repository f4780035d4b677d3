/**
 * Turns the concrete syntax tree of `@prometheus-io/lezer-promql` into the typed AST,
 * applying the structural rules the grammar leaves to the host (where offset and `@` may
 * stand, what a range may follow, the `^` binding of signed literals).
 */
import type { SyntaxNode } from '@lezer/common'

import { METRIC_NAME } from '../model/series.js'
import type { LabelMatcher, MatchType } from '../model/series.js'
import type {
  AggregateOp,
  AtModifier,
  BinaryOp,
  DurationExpression,
  Expr,
  MatchCardinality,
  SourceRange,
  VectorMatching,
  VectorSelector,
} from './ast.js'
import { DurationError, buildDuration, durationMs } from './duration-expr.js'
import { parseNumber, unquoteString } from './literals.js'
import { compilePromqlRegex } from './regex.js'
import { PromqlSyntaxError } from './syntax-error.js'

const BINARY_OPS: Readonly<Record<string, BinaryOp>> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Atan2: 'atan2',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Neq: '!=',
  Gte: '>=',
  Gtr: '>',
  Lte: '<=',
  Lss: '<',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
}

const MATCH_OPS: Readonly<Record<string, MatchType>> = {
  EqlSingle: '=',
  Neq: '!=',
  EqlRegex: '=~',
  NeqRegex: '!~',
}

/** Builds the AST of one query; create one per query. */
export class AstBuilder {
  readonly #query: string

  constructor(query: string) {
    this.#query = query
  }

  /** Builds the expression under a `PromQL` top node. */
  build(top: SyntaxNode): Expr {
    const expr = exprChildren(top)[0]
    if (expr === undefined) throw this.#error(top, 'no expression found in input')
    return this.#expr(expr)
  }

  #expr(node: SyntaxNode): Expr {
    const range = { start: node.from, end: node.to }
    switch (node.name) {
      case 'NumberDurationLiteral':
        return { kind: 'number', value: this.#number(node), range }
      case 'StringLiteral':
        return { kind: 'string', value: this.#string(node), range }
      case 'VectorSelector':
        return this.#vectorSelector(node)
      case 'MatrixSelector':
        return this.#matrixSelector(node)
      case 'SubqueryExpr':
        return this.#subquery(node)
      case 'OffsetExpr':
        return this.#offset(node)
      case 'StepInvariantExpr':
        return this.#at(node)
      case 'FunctionCall':
        return this.#call(node)
      case 'AggregateExpr':
        return this.#aggregate(node)
      case 'BinaryExpr':
        return this.#binary(node)
      case 'ParenExpr':
        return { kind: 'paren', expr: this.#onlyExpr(node), range }
      case 'UnaryExpr': {
        const op = this.#text(node.getChild('UnaryOp') ?? node) === '-' ? '-' : '+'
        return { kind: 'unary', op, expr: this.#onlyExpr(node), range }
      }
      case 'AnchoredExpr':
      case 'SmoothedExpr':
        return this.#edges(node, node.name === 'AnchoredExpr' ? 'anchored' : 'smoothed')
      default:
        throw this.#error(node, `unexpected ${node.name}`)
    }
  }

  /** `anchored` and `smoothed` apply to the selector they follow, like offset and `@`. */
  #edges(node: SyntaxNode, edges: 'anchored' | 'smoothed'): Expr {
    const inner = this.#onlyExpr(node)
    const end = node.to
    const target = inner.kind === 'matrixSelector' ? inner.selector : inner
    if (
      target.kind !== 'vectorSelector' ||
      (edges === 'anchored' && inner.kind !== 'matrixSelector')
    ) {
      throw this.#error(node, `${edges} modifier must be preceded by a range vector selector`)
    }
    const selector = { ...target, edges, range: { start: target.range.start, end } }
    if (inner.kind !== 'matrixSelector') return selector
    return { ...inner, selector, range: { start: inner.range.start, end } }
  }

  #onlyExpr(node: SyntaxNode): Expr {
    const child = exprChildren(node)[0]
    if (child === undefined) throw this.#error(node, 'missing expression')
    return this.#expr(child)
  }

  #number(node: SyntaxNode): number {
    const text = this.#text(node).replace(/\s+/g, '')
    const sign = text.startsWith('-') ? -1 : 1
    const unsigned = text.replace(/^[+-]/, '')
    const value = parseNumber(unsigned)
    if (value === undefined) throw this.#error(node, `bad number or duration syntax: "${text}"`)
    return sign * value
  }

  #string(node: SyntaxNode): string {
    try {
      return unquoteString(this.#text(node))
    } catch (error) {
      throw this.#error(node, (error as Error).message)
    }
  }

  #vectorSelector(node: SyntaxNode): VectorSelector {
    const matchers: LabelMatcher[] = []
    const identifier = node.getChild('Identifier')
    const name = identifier === null ? undefined : this.#text(identifier)
    if (name !== undefined) matchers.push({ name: METRIC_NAME, type: '=', value: name })

    let quotedName: string | undefined
    const list = node.getChild('LabelMatchers')
    for (let child = list?.firstChild ?? null; child !== null; child = child.nextSibling) {
      if (child.name === 'QuotedLabelName') {
        if (name !== undefined || quotedName !== undefined) {
          throw this.#error(child, 'metric name must not be set twice')
        }
        quotedName = this.#string(child.firstChild ?? child)
        matchers.push({ name: METRIC_NAME, type: '=', value: quotedName })
        continue
      }
      if (child.name !== 'UnquotedLabelMatcher' && child.name !== 'QuotedLabelMatcher') continue

      const matcher = this.#matcher(child)
      if (matcher.name === METRIC_NAME && name !== undefined) {
        throw this.#error(
          child,
          `metric name must not be set twice: "${name}" or "${matcher.value}"`,
        )
      }
      matchers.push(matcher)
    }

    const range = { start: node.from, end: node.to }
    return {
      kind: 'vectorSelector',
      name: name ?? quotedName,
      matchers,
      offsetMs: 0,
      at: undefined,
      range,
    }
  }

  #matcher(node: SyntaxNode): LabelMatcher {
    const labelNode = node.firstChild
    const opNode = node.getChild('MatchOp')?.firstChild
    const valueNode = node.lastChild
    if (labelNode === null || opNode == null || valueNode === null) {
      throw this.#error(node, 'malformed label matcher')
    }

    const name =
      labelNode.name === 'QuotedLabelName'
        ? this.#string(labelNode.firstChild ?? labelNode)
        : this.#text(labelNode)
    const type = MATCH_OPS[opNode.name]
    if (type === undefined) throw this.#error(opNode, `unexpected matcher operator`)
    const value = this.#string(valueNode)
    if (type === '=~' || type === '!~') this.#checkRegex(valueNode, value)
    return { name, type, value }
  }

  #checkRegex(node: SyntaxNode, pattern: string): void {
    try {
      compilePromqlRegex(pattern)
    } catch {
      throw this.#error(node, `invalid regular expression "${pattern}"`)
    }
  }

  #matrixSelector(node: SyntaxNode): Expr {
    const inner = exprChildren(node)[0]
    const durationNode = node.getChild('DurationExpr')
    if (inner === undefined || durationNode === null) throw this.#error(node, 'malformed range')
    if (inner.name !== 'VectorSelector') {
      throw this.#error(inner, 'ranges only allowed for vector selectors')
    }

    const selector = this.#vectorSelector(inner)
    const { ms: rangeMs, expr: rangeExpr } = this.#duration(durationNode)
    if (rangeMs <= 0) throw this.#error(durationNode, 'range duration must be greater than 0')
    const range = { start: node.from, end: node.to }
    return rangeExpr === undefined
      ? { kind: 'matrixSelector', selector, rangeMs, range }
      : { kind: 'matrixSelector', selector, rangeMs, rangeExpr, range }
  }

  #subquery(node: SyntaxNode): Expr {
    const innerNode = exprChildren(node)[0]
    const durations = node.getChildren('DurationExpr')
    const rangeNode = durations[0]
    if (innerNode === undefined || rangeNode === undefined)
      throw this.#error(node, 'malformed subquery')

    const expr = this.#expr(innerNode)
    const { ms: rangeMs, expr: rangeExpr } = this.#duration(rangeNode)
    const stepNode = durations[1]
    const step = stepNode === undefined ? undefined : this.#duration(stepNode)
    const stepMs = step?.ms
    if (stepMs !== undefined && stepMs <= 0) {
      throw this.#error(stepNode ?? node, 'step duration must be greater than 0')
    }
    const range = { start: node.from, end: node.to }
    return {
      kind: 'subquery',
      expr,
      rangeMs,
      stepMs,
      offsetMs: 0,
      at: undefined,
      range,
      ...(rangeExpr === undefined ? {} : { rangeExpr }),
      ...(step?.expr === undefined ? {} : { stepExpr: step.expr }),
    }
  }

  #offset(node: SyntaxNode): Expr {
    const inner = this.#onlyExpr(node)
    const durationNode = node.getChild('OffsetDurationExpr')
    if (durationNode === null) throw this.#error(node, 'missing offset duration')
    const { ms: offsetMs, expr: offsetExpr } = this.#duration(durationNode)
    const range = { start: node.from, end: node.to }

    return this.#modify(inner, node, 'offset', (target) => {
      if (target.offsetMs !== 0 || target.offsetExpr !== undefined)
        throw this.#error(durationNode, 'offset may not be set multiple times')
      const shifted = { ...target, offsetMs, range: { start: target.range.start, end: range.end } }
      return offsetExpr === undefined ? shifted : { ...shifted, offsetExpr }
    })
  }

  #at(node: SyntaxNode): Expr {
    const inner = this.#onlyExpr(node)
    const preprocessor = node.getChild('AtModifierPreprocessors')
    const literal = node.getChild('NumberDurationLiteral')
    let at: AtModifier
    if (preprocessor !== null) {
      at = { kind: preprocessor.getChild('AtStart') === null ? 'end' : 'start' }
    } else if (literal !== null) {
      const seconds = this.#number(literal)
      if (!Number.isFinite(seconds))
        throw this.#error(literal, 'timestamp out of bounds for @ modifier')
      at = { kind: 'timestamp', timestampMs: Math.round(seconds * 1000) }
    } else {
      throw this.#error(node, 'missing @ timestamp')
    }

    return this.#modify(inner, node, '@', (target) => {
      if (target.at !== undefined)
        throw this.#error(node, '@ <timestamp> may not be set multiple times')
      return { ...target, at, range: { start: target.range.start, end: node.to } }
    })
  }

  /** Applies an offset or `@` to the selector or subquery it must follow. */
  #modify(
    inner: Expr,
    node: SyntaxNode,
    what: string,
    apply: <
      T extends {
        offsetMs: number
        offsetExpr?: DurationExpression
        at: AtModifier | undefined
        range: SourceRange
      },
    >(
      target: T,
    ) => T,
  ): Expr {
    switch (inner.kind) {
      case 'vectorSelector':
      case 'subquery':
        return apply(inner)
      case 'matrixSelector':
        return {
          ...inner,
          selector: apply(inner.selector),
          range: { start: inner.range.start, end: node.to },
        }
      // The grammar lets a modifier follow a whole unary or binary expression; in PromQL it
      // binds to the selector right before it: `-a @ 5` is `-(a @ 5)`.
      case 'unary':
        return {
          ...inner,
          expr: this.#modify(inner.expr, node, what, apply),
          range: { start: inner.range.start, end: node.to },
        }
      case 'binary':
        return {
          ...inner,
          rhs: this.#modify(inner.rhs, node, what, apply),
          range: { start: inner.range.start, end: node.to },
        }
      default:
        throw this.#error(
          node,
          `${what} modifier must be preceded by an instant vector selector or range vector ` +
            'selector or a subquery',
        )
    }
  }

  #call(node: SyntaxNode): Expr {
    const identifier = node.getChild('FunctionIdentifier')
    const body = node.getChild('FunctionCallBody')
    if (identifier === null || body === null) throw this.#error(node, 'malformed function call')

    const args = exprChildren(body).map((child) => this.#expr(child))
    return {
      kind: 'call',
      name: this.#text(identifier),
      args,
      range: { start: node.from, end: node.to },
    }
  }

  #aggregate(node: SyntaxNode): Expr {
    const opNode = node.getChild('AggregateOp')
    const body = node.getChild('FunctionCallBody')
    if (opNode === null || body === null) throw this.#error(node, 'malformed aggregation')

    const op = this.#text(opNode).toLowerCase() as AggregateOp
    const modifier = node.getChild('AggregateModifier')
    const without = modifier?.getChild('Without') != null
    const grouping = modifier === null ? [] : this.#labelList(modifier.getChild('GroupingLabels'))

    const args = exprChildren(body).map((child) => this.#expr(child))
    const wantsParam = PARAM_AGGREGATIONS.has(op)
    const expected = wantsParam ? 2 : 1
    if (args.length !== expected) {
      throw this.#error(
        body,
        'wrong number of arguments for aggregate expression provided, ' +
          `expected ${expected}, got ${args.length}`,
      )
    }

    const expr = args[expected - 1] as Expr
    const param = wantsParam ? args[0] : undefined
    return {
      kind: 'aggregate',
      op,
      expr,
      param,
      grouping,
      without,
      range: { start: node.from, end: node.to },
    }
  }

  #binary(node: SyntaxNode): Expr {
    const [lhsNode, rhsNode] = exprChildren(node)
    let opName: string | undefined
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
      if (BINARY_OPS[child.name] !== undefined && !child.type.is('Expr')) {
        opName = child.name
        break
      }
    }
    if (lhsNode === undefined || rhsNode === undefined || opName === undefined) {
      throw this.#error(node, 'malformed binary expression')
    }
    const op = BINARY_OPS[opName] as BinaryOp
    const range = { start: node.from, end: node.to }
    const returnBool = node.getChild('BoolModifier') !== null
    const plainMatching = this.#matching(node.getChild('MatchingModifierClause'), op)
    const fill = this.#fill(node.getChild('FillModifier'))
    const matching =
      fill === undefined || plainMatching === undefined ? plainMatching : { ...plainMatching, fill }
    const rhs = this.#expr(rhsNode)

    // The grammar reads `-2 ^ 2` as a signed literal raised to a power; PromQL binds `^`
    // tighter than unary minus, so the sign moves outside: -(2 ^ 2).
    if (
      op === '^' &&
      lhsNode.name === 'NumberDurationLiteral' &&
      /^[+-]/.test(this.#text(lhsNode))
    ) {
      const signed = this.#number(lhsNode)
      const text = this.#text(lhsNode)
      const magnitude = {
        kind: 'number' as const,
        value: Math.abs(signed),
        range: { start: lhsNode.from, end: lhsNode.to },
      }
      if (Number.isNaN(signed)) magnitude.value = NaN
      const power: Expr = { kind: 'binary', op, lhs: magnitude, rhs, returnBool, matching, range }
      return text.startsWith('-') ? { kind: 'unary', op: '-', expr: power, range } : power
    }

    const lhs = this.#expr(lhsNode)
    return { kind: 'binary', op, lhs, rhs, returnBool, matching, range }
  }

  #matching(clause: SyntaxNode | null, op: BinaryOp): VectorMatching | undefined {
    const setOperator = op === 'and' || op === 'or' || op === 'unless'
    const defaultCardinality: MatchCardinality = setOperator ? 'many-to-many' : 'one-to-one'
    if (clause === null) {
      return { cardinality: defaultCardinality, on: false, labels: [], include: [] }
    }

    const lists = clause.getChildren('GroupingLabels')
    const labels = this.#labelList(lists[0] ?? null)
    const include = this.#labelList(lists[1] ?? null)
    let cardinality: MatchCardinality = defaultCardinality
    if (clause.getChild('GroupLeft') !== null) cardinality = 'many-to-one'
    if (clause.getChild('GroupRight') !== null) cardinality = 'one-to-many'
    if (setOperator && cardinality !== 'many-to-many') {
      throw this.#error(clause, `no grouping allowed for "${op}" operation`)
    }

    const on = clause.getChild('On') !== null
    for (const label of include) {
      if (on && labels.includes(label)) {
        throw this.#error(clause, `label "${label}" must not occur in ON and GROUP clause at once`)
      }
    }
    return { cardinality, on, labels, include }
  }

  #fill(node: SyntaxNode | null): VectorMatching['fill'] {
    if (node === null) return undefined
    const value = (clause: SyntaxNode | null): number | undefined => {
      const literal = clause?.getChild('NumberDurationLiteral') ?? null
      return literal === null ? undefined : this.#number(literal)
    }
    const both = value(node.getChild('FillClause'))
    const lhs = value(node.getChild('FillLeftClause')) ?? both
    const rhs = value(node.getChild('FillRightClause')) ?? both
    return {
      ...(lhs === undefined ? {} : { lhs }),
      ...(rhs === undefined ? {} : { rhs }),
    }
  }

  #labelList(node: SyntaxNode | null): string[] {
    const out: string[] = []
    for (let child = node?.firstChild ?? null; child !== null; child = child.nextSibling) {
      if (child.name === 'LabelName') out.push(this.#text(child))
      if (child.name === 'QuotedLabelName') out.push(this.#string(child.firstChild ?? child))
    }
    return out
  }

  /**
   * A duration in milliseconds; when it depends on the query (`step()`, `range()`), also its
   * tree, and `ms` is then a positive placeholder until the engine resolves it.
   */
  #duration(node: SyntaxNode): { ms: number; expr?: DurationExpression } {
    try {
      const expr = buildDuration(node, this.#query)
      const ms = durationMs(expr)
      return ms === undefined ? { ms: 1, expr } : { ms }
    } catch (error) {
      if (error instanceof DurationError) throw this.#error(error.node, error.message)
      throw error
    }
  }

  #text(node: SyntaxNode): string {
    return this.#query.slice(node.from, node.to)
  }

  #error(node: SyntaxNode, message: string): PromqlSyntaxError {
    return new PromqlSyntaxError(this.#query, { start: node.from, end: node.to }, message)
  }
}

const PARAM_AGGREGATIONS = new Set<AggregateOp>([
  'topk',
  'bottomk',
  'quantile',
  'count_values',
  'limitk',
  'limit_ratio',
])

function exprChildren(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = []
  for (let child = node.firstChild; child !== null; child = child.nextSibling) {
    if (child.type.is('Expr')) out.push(child)
  }
  return out
}
