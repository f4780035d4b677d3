import { describe, expect, it } from 'vitest'

import { formatDurationMs, parseDurationMs } from './duration.js'
import { parseNumber, unquoteString } from './literals.js'

describe('durations', () => {
  it.each([
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['1y2w', (365 + 14) * 86_400_000],
    ['10s53ms', 10_053],
    ['0', 0],
    ['1.5s', undefined],
    ['30m1h', undefined],
    ['1h1h', undefined],
    ['', undefined],
    ['5', undefined],
  ])('%j is %s ms', (text, expected) => {
    expect(parseDurationMs(text)).toBe(expected)
  })

  it('prints the largest units first', () => {
    expect(formatDurationMs(5_400_000)).toBe('1h30m')
    expect(formatDurationMs(0)).toBe('0s')
  })
})

describe('numbers', () => {
  it.each([
    ['12.34e6', 12_340_000],
    ['.2', 0.2],
    ['0x1f', 31],
    ['1_000', 1000],
    ['inF', Infinity],
    ['1m', 60],
    ['1x', undefined],
  ])('%j is %s', (text, expected) => {
    expect(parseNumber(text)).toBe(expected)
  })

  it('reads NaN in any case', () => {
    expect(parseNumber('nAn')).toBeNaN()
  })
})

describe('strings', () => {
  it.each([
    ['"a\\nb"', 'a\nb'],
    ["'it\\'s'", "it's"],
    ['"\\x41\\101\\u00e9\\U0001F600"', 'AAé😀'],
    ['`no \\escapes`', 'no \\escapes'],
  ])('unquotes %s', (text, expected) => {
    expect(unquoteString(text)).toBe(expected)
  })

  it.each([
    ['"\\q"', "unknown escape sequence U+0071 'q'"],
    ['"\\x4"', 'invalid escape sequence \\x4'],
    ['"open', 'unterminated quoted string'],
  ])('rejects %s', (text, message) => {
    expect(() => unquoteString(text)).toThrow(message)
  })
})
