import { describe, expect, it } from 'vitest'

import { compilePromqlRegex } from './regex.js'

describe('compilePromqlRegex', () => {
  it.each([
    ['foo', 'foo', true],
    ['foo', 'foobar', false],
    ['', '', true],
    ['', 'x', false],
    ['a|b', 'b', true],
    ['a|b', 'ab', false],
    ['a|', '', true],
    ['.*', 'multi\nline', true],
    ['.+', '', false],
    ['.+', '\n', true],
    ['fo.', 'foo', true],
    ['fo.', 'xfoo', false],
    ['(?i)api', 'API', true],
    ['(?i:pro).*', 'PROduction', true],
    ['x(?i:a)B', 'xAb', false],
    ['((?i)pro)d', 'PROd', true],
    ['[[:digit:]]+', '123', true],
    ['[[:alpha:]_]+', 'ab_c', true],
    ['[^[:alpha:]]+', '12', true],
    ['(?P<word>\\w+)', 'abc', true],
    ['[]a]+', ']a', true],
    ['\\Aab\\z', 'ab', true],
    ['é+', 'éé', true],
    ['.', '😀', true],
    ['api.*', 'api-server', true],
    ['api.*', 'api', true],
    ['api.*', 'x-api', false],
    ['.*-server', 'api-server', true],
    ['.*-server', 'api-server-2', false],
    ['.*serv.*', 'api-server-2', true],
    ['.*serv.*', 'api', false],
    ['a.*', 'a\nb', true],
    ['.*.*', '', true],
    ['a\\.*', 'a.', true],
    ['a\\.*', 'ab', false],
  ])('%s on %j is %s', (pattern, input, matches) => {
    expect(compilePromqlRegex(pattern).test(input)).toBe(matches)
  })

  it('matches a catastrophic-backtracking pattern against a long value', () => {
    // A backtracking engine needs about 2^n steps here; RE2's automata need one pass.
    const value = 'a'.repeat(100_000)
    expect(compilePromqlRegex('(a+)+b').test(value)).toBe(false)
    expect(compilePromqlRegex('(a|aa)+$').test(value)).toBe(true)
    expect(compilePromqlRegex('(a+)+b').exec(value)).toBeNull()
  })

  it('returns capture groups like RegExp.exec', () => {
    const match = compilePromqlRegex('(?P<host>[^:]+):(\\d+)?(x)?').exec('db:5432')
    expect(match?.[0]).toBe('db:5432')
    expect(match?.[1]).toBe('db')
    expect(match?.[2]).toBe('5432')
    expect(match?.[3]).toBeUndefined()
    expect(match?.groups).toEqual({ host: 'db' })
    expect(compilePromqlRegex('a|b').exec('b')?.[0]).toBe('b')
    expect(compilePromqlRegex('a(b)').exec('abc')).toBeNull()
  })

  it.each([
    ['(a', 'missing closing )'],
    ['a{1001}', 'invalid repeat count'],
    ['(?=a)', 'invalid or unsupported Perl syntax'],
    ['(a)\\1', 'invalid escape sequence'],
    ['[z-a]', 'invalid character class range'],
  ])('rejects %s as RE2 does (%s)', (pattern, reason) => {
    expect(() => compilePromqlRegex(pattern)).toThrow(SyntaxError)
    expect(() => compilePromqlRegex(pattern)).toThrow(reason)
  })
})
