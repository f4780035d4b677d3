import { describe, expect, it } from 'vitest'

import {
  parseDecimal,
  parseMillisecondTimestamp,
  parseSampleValue,
  parseSecondTimestamp,
} from './numbers.js'

describe('parseDecimal', () => {
  const tokens = [
    '0',
    '-0',
    '1',
    '42',
    '0.1',
    '0.3',
    '.5',
    '5.',
    '-12.75',
    '123456789012345',
    '9007199254740991',
    '0.000001234',
    '3.14159265358979',
    '1726839813.016397',
  ]

  it.each(tokens)('agrees with Number() on %s', (token) => {
    expect(Object.is(parseDecimal(token, 0, token.length), Number(token))).toBe(true)
  })

  it('agrees with Number() on random decimals it takes', () => {
    let taken = 0
    for (let i = 0; i < 2000; i++) {
      const token = (Math.random() * 10 ** Math.floor(Math.random() * 10)).toFixed(i % 7)
      const value = parseDecimal(token, 0, token.length)
      if (value === undefined) continue
      expect(value).toBe(Number(token))
      taken++
    }
    expect(taken).toBeGreaterThan(1500)
  })

  it.each([
    '',
    '-',
    '.',
    '1e5',
    '+1',
    '1.2.3',
    'NaN',
    '12345678901234567',
    '9007199254740993',
    '1.0000000000000001',
  ])('leaves %j to the general parser', (token) => {
    expect(parseDecimal(token, 0, token.length)).toBeUndefined()
  })
})

describe('parseSampleValue', () => {
  it.each([
    ['1e3', 1000],
    ['-1.5E-3', -0.0015],
    ['+Inf', Infinity],
    ['inf', Infinity],
    ['-Inf', -Infinity],
    ['NaN', NaN],
    ['nan', NaN],
  ])('reads %s', (token, want) => {
    expect(parseSampleValue(token)).toBe(want)
  })

  it.each(['', 'one', '0x10', '0b1', '0o7', '1_000', 'Infinityy', ' 1'])('rejects %j', (token) => {
    expect(parseSampleValue(token)).toBeUndefined()
  })
})

describe('timestamps', () => {
  it('reads integer milliseconds only in text format', () => {
    expect(parseMillisecondTimestamp('1700000000000')).toBe(1_700_000_000_000)
    expect(parseMillisecondTimestamp('-1')).toBe(-1)
    expect(parseMillisecondTimestamp('1.5')).toBeUndefined()
    expect(parseMillisecondTimestamp('-')).toBeUndefined()
    expect(parseMillisecondTimestamp('99999999999999999999')).toBeUndefined()
  })

  it('reads float seconds in OpenMetrics', () => {
    expect(parseSecondTimestamp('1726839813.016397')).toBe(1_726_839_813_016)
    expect(parseSecondTimestamp('1e9')).toBe(1e12)
    expect(parseSecondTimestamp('NaN')).toBeUndefined()
    expect(parseSecondTimestamp('+Inf')).toBeUndefined()
  })
})
