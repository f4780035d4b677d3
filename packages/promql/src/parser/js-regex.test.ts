import { describe, expect, it } from 'vitest'

import { compileAnchoredRegex } from './js-regex.js'

describe('compileAnchoredRegex', () => {
  it.each([
    ['foo', 'foo', true],
    ['foo', 'foobar', false],
    ['a|b', 'b', true],
    ['.*', 'multi\nline', true],
    ['(?i)api', 'API', true],
    ['(?i:pro).*', 'PROduction', true],
    ['x(?i:a)B', 'xAb', false],
    ['((?i)pro)d', 'PROd', true],
    ['[[:digit:]]+', '123', true],
    ['[[:alpha:]_]+', 'ab_c', true],
    ['(?P<word>\\w+)', 'abc', true],
    ['[]a]+', ']a', true],
  ])('%s on %j is %s', (pattern, input, matches) => {
    expect(compileAnchoredRegex(pattern).test(input)).toBe(matches)
  })
})
