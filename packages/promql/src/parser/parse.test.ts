import { describe, expect, it } from 'vitest'

import type { Expr } from './ast.js'
import { parseExpr } from './parse.js'
import { PromqlSyntaxError } from './syntax-error.js'

/** The AST without source ranges, for compact expectations. */
function shape(expr: Expr): unknown {
  return JSON.parse(
    JSON.stringify(expr, (key, value: unknown) => (key === 'range' ? undefined : value)),
  )
}

describe('parseExpr', () => {
  it.each([
    ['-2 ^ 2', { kind: 'unary', op: '-' }],
    ['2 ^ 3 ^ 2', { kind: 'binary', op: '^', rhs: { kind: 'binary', op: '^' } }],
    ['1 + 2 * 3', { kind: 'binary', op: '+', rhs: { kind: 'binary', op: '*' } }],
    ['a or b and c', { kind: 'binary', op: 'or', rhs: { kind: 'binary', op: 'and' } }],
    ['0x1F', { kind: 'number', value: 31 }],
    ['1e3', { kind: 'number', value: 1000 }],
    ['5m', { kind: 'number', value: 300 }],
    ['2.', { kind: 'number', value: 2 }],
    ['"a\\tb\\u00e9"', { kind: 'string', value: 'a\tbé' }],
    ['`raw\\n`', { kind: 'string', value: 'raw\\n' }],
  ])('parses %s', (query, expected) => {
    expect(shape(parseExpr(query))).toMatchObject(expected)
  })

  it('reads signed infinities and NaN', () => {
    expect(parseExpr('-Inf')).toMatchObject({ kind: 'number', value: -Infinity })
    expect(parseExpr('+inf')).toMatchObject({ kind: 'number', value: Infinity })
    expect(parseExpr('NaN')).toMatchObject({ kind: 'number', value: NaN })
  })

  it('reads selectors with matchers, offset and @', () => {
    const expr = parseExpr(
      'rate(http_requests_total{job=~"api|web", code!="500"}[1h30m] offset -5m @ end())',
    )
    expect(shape(expr)).toMatchObject({
      kind: 'call',
      name: 'rate',
      args: [
        {
          kind: 'matrixSelector',
          rangeMs: 5_400_000,
          selector: {
            name: 'http_requests_total',
            offsetMs: -300_000,
            at: { kind: 'end' },
            matchers: [
              { name: '__name__', type: '=', value: 'http_requests_total' },
              { name: 'job', type: '=~', value: 'api|web' },
              { name: 'code', type: '!=', value: '500' },
            ],
          },
        },
      ],
    })
  })

  it('binds @ and offset to the selector before them', () => {
    expect(shape(parseExpr('-a @ 100'))).toMatchObject({
      kind: 'unary',
      expr: { kind: 'vectorSelector', at: { kind: 'timestamp', timestampMs: 100_000 } },
    })
    expect(shape(parseExpr('a offset 1m + b offset 2m'))).toMatchObject({
      lhs: { offsetMs: 60_000 },
      rhs: { offsetMs: 120_000 },
    })
  })

  it('reads subqueries, aggregation and matching modifiers', () => {
    expect(shape(parseExpr('max_over_time(x[1h:5m])'))).toMatchObject({
      args: [{ kind: 'subquery', rangeMs: 3_600_000, stepMs: 300_000 }],
    })
    expect(shape(parseExpr('sum without (a, b) (x)'))).toMatchObject({
      op: 'sum',
      without: true,
      grouping: ['a', 'b'],
    })
    expect(shape(parseExpr('topk(3, x) by (job)'))).toMatchObject({
      op: 'topk',
      param: { value: 3 },
      grouping: ['job'],
    })
    expect(shape(parseExpr('a * on (x) group_left (y) b'))).toMatchObject({
      matching: { cardinality: 'many-to-one', on: true, labels: ['x'], include: ['y'] },
    })
    expect(shape(parseExpr('a + fill_left(1) fill_right(2) b'))).toMatchObject({
      matching: { fill: { lhs: 1, rhs: 2 } },
    })
    expect(shape(parseExpr('a > bool ignoring (x) b'))).toMatchObject({
      returnBool: true,
      matching: { cardinality: 'one-to-one', on: false, labels: ['x'] },
    })
  })

  it.each([
    ['rate(x', 1, 7, 'unexpected end of input'],
    ['sum(x) +', 1, 9, 'unexpected end of input'],
    ['foo{a="b"', 1, 10, 'unexpected end of input'],
    ['rate(x)', 1, 6, 'expected type range vector in call to function "rate", got instant vector'],
    ['1 < 2', 1, 1, 'comparisons between scalars must use BOOL modifier'],
    ['a + on(b) 1', 1, 1, 'vector matching only allowed between instant vectors'],
    ['{}', 1, 1, 'vector selector must contain at least one non-empty matcher'],
    ['{a=~".*"}', 1, 1, 'vector selector must contain at least one non-empty matcher'],
    ['foo{__name__="bar"}', 1, 5, 'metric name must not be set twice: "foo" or "bar"'],
    ['sum(x) offset 5m', 1, 1, 'offset modifier must be preceded by an instant vector selector'],
    ['(x)[5m]', 1, 1, 'ranges only allowed for vector selectors'],
    ['x[5m][1m:]', 1, 1, 'subquery is only allowed on instant vector, got range vector'],
    ['nope(x)', 1, 1, 'unknown function with name "nope"'],
    ['round()', 1, 1, 'wrong number of arguments for function round(), expected 1 to 2, got 0'],
    ['topk(x)', 1, 5, 'wrong number of arguments for aggregate expression provided'],
    ['x{a=~"("}', 1, 6, 'invalid regular expression "("'],
    ['x and 1', 1, 1, 'set operator "and" not allowed in binary scalar expression'],
    ['a + bool b', 1, 1, 'bool modifier can only be used on comparison operators'],
    ['a and fill(0) b', 1, 1, 'fill modifiers are not allowed for set operator "and"'],
    ['"\\q"', 1, 1, "unknown escape sequence U+0071 'q'"],
    ['sum(\n  rate(x[5m]) +\n)', 3, 1, 'unexpected ")"'],
    ['', 1, 1, 'no expression found in input'],
  ])('rejects %j at %i:%i', (query, line, column, message) => {
    let caught: unknown
    try {
      parseExpr(query)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(PromqlSyntaxError)
    const error = caught as PromqlSyntaxError
    expect(error.code).toBe('promql_syntax_error')
    expect(error.detail).toContain(message)
    expect({ line: error.position.line, column: error.position.column }).toEqual({ line, column })
    expect(error.message).toBe(`${line}:${column}: parse error: ${error.detail}`)
  })
})
