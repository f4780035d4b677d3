/**
 * Label sets of series a test script loads with something the engine does not model
 * (native histogram samples, start timestamps), so the runner can tell which evaluations
 * depend on them.
 */
import { compileMatchers } from '../engine/matchers.js'
import type { Labels, LabelMatcher } from '../model/series.js'
import { METRIC_NAME } from '../model/series.js'
import type { Expr } from '../parser/ast.js'
import { parseExpr } from '../parser/parse.js'

export class TrackedSeries {
  readonly #series: Labels[] = []

  add(labels: Labels): void {
    this.#series.push(labels)
  }

  clear(): void {
    this.#series.length = 0
  }

  /** Whether any selector of `query` selects a tracked series. */
  selectedBy(query: string): boolean {
    if (this.#series.length === 0) return false

    let selectors: LabelMatcher[][]
    try {
      selectors = collectSelectors(parseExpr(query))
    } catch {
      // Unparseable queries fall back to looking for a tracked series' name in the text.
      return this.#series.some((labels) => query.includes(labels[METRIC_NAME] ?? '\0'))
    }
    return selectors.some((matchers) => {
      const matches = compileMatchers(matchers)
      return this.#series.some(matches)
    })
  }
}

function collectSelectors(expr: Expr): LabelMatcher[][] {
  switch (expr.kind) {
    case 'vectorSelector':
      return [[...expr.matchers]]
    case 'matrixSelector':
      return [[...expr.selector.matchers]]
    case 'number':
    case 'string':
      return []
    case 'subquery':
    case 'paren':
    case 'unary':
      return collectSelectors(expr.expr)
    case 'call':
      return expr.args.flatMap(collectSelectors)
    case 'aggregate':
      return [expr.expr, ...(expr.param === undefined ? [] : [expr.param])].flatMap(
        collectSelectors,
      )
    case 'binary':
      return [...collectSelectors(expr.lhs), ...collectSelectors(expr.rhs)]
  }
}
