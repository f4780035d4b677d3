/**
 * Number and string literals as PromQL spells them.
 */
import { parseDurationMs } from './duration.js'

/**
 * The value of a number token: decimal or exponent floats, `0x` hex integers, `Inf`/`NaN` in
 * any case, or a duration (`5m` is 300). Returns undefined for text that is none of these.
 */
export function parseNumber(text: string): number | undefined {
  const lower = text.toLowerCase()
  if (lower === 'inf') return Infinity
  if (lower === 'nan') return NaN
  if (/^0x[0-9a-f]+$/i.test(text)) return parseInt(text.slice(2), 16)
  if (/^(\d+(_?\d)*(\.(\d+(_?\d)*)?)?|\.\d+(_?\d)*)(e[+-]?\d+(_?\d)*)?$/i.test(text)) {
    return Number(text.replaceAll('_', ''))
  }

  const durationMs = parseDurationMs(text)
  return durationMs === undefined ? undefined : durationMs / 1000
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
}

/**
 * Unquotes a string literal with Go's rules: backticks are raw; double and single quotes take
 * the escapes `\a \b \f \n \r \t \v \\`, the quote itself, `\xHH`, octal `\ooo`, `\uHHHH` and
 * `\UHHHHHHHH`. Throws an Error with a message on a malformed literal.
 */
export function unquoteString(text: string): string {
  const quote = text[0]
  if (text.length < 2 || text[text.length - 1] !== quote) {
    throw new Error('unterminated quoted string')
  }
  const body = text.slice(1, -1)
  if (quote === '`') return body

  let out = ''
  for (let index = 0; index < body.length; index++) {
    const char = body[index] ?? ''
    if (char !== '\\') {
      out += char
      continue
    }

    const next = body[index + 1] ?? ''
    index++
    const simple = SIMPLE_ESCAPES[next]
    if (simple !== undefined) {
      out += simple
    } else if (next === quote) {
      out += next
    } else if (next === 'x' || next === 'u' || next === 'U') {
      const width = next === 'x' ? 2 : next === 'u' ? 4 : 8
      const digits = body.slice(index + 1, index + 1 + width)
      if (!new RegExp(`^[0-9a-fA-F]{${width}}$`).test(digits)) {
        throw new Error(`invalid escape sequence \\${next}${digits}`)
      }
      out += width === 2 ? String.fromCharCode(parseInt(digits, 16)) : codePoint(digits)
      index += width
    } else if (/[0-7]/.test(next)) {
      const digits = body.slice(index, index + 3)
      if (!/^[0-7]{3}$/.test(digits)) throw new Error(`invalid escape sequence \\${digits}`)
      out += String.fromCharCode(parseInt(digits, 8))
      index += 2
    } else {
      throw new Error(`unknown escape sequence U+${hex4(next)} '${next}'`)
    }
  }
  return out
}

function codePoint(digits: string): string {
  const value = parseInt(digits, 16)
  if (value > 0x10ffff || (value >= 0xd800 && value < 0xe000)) {
    throw new Error(`invalid unicode code point \\U${digits}`)
  }
  return String.fromCodePoint(value)
}

function hex4(char: string): string {
  return (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')
}
