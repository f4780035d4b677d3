/**
 * Sample values and timestamps as the exposition formats write them.
 */

/**
 * A sample value: a decimal float, or `NaN`, `Inf`, `+Inf`, `-Inf` (any case, `Infinity`
 * too, as Go's float parser reads them). Returns undefined when the token is not a number.
 */
export function parseSampleValue(token: string): number | undefined {
  const first = token.charCodeAt(0)
  // Digits, '.', '+', '-' start numbers; Number() alone would also take '0x1f', '0b1', ' 1'.
  if ((first >= 0x30 && first <= 0x39) || first === 0x2e || first === 0x2b || first === 0x2d) {
    const value = Number(token)
    if (value === value && !hasRadixPrefix(token)) return value
  }

  switch (token.toLowerCase()) {
    case 'nan':
      return NaN
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity
    case '-inf':
    case '-infinity':
      return -Infinity
    default:
      return undefined
  }
}

const POWERS_OF_TEN = Array.from({ length: 23 }, (_, i) => 10 ** i)
const MAX_EXACT_MANTISSA = 2 ** 53

/**
 * The common case without allocating: `-?digits[.digits]` whose digits, read as an integer,
 * stay below 2^53. Such a mantissa divided by an exact power of ten is correctly rounded, so
 * the result equals what Number() gives. Returns undefined for anything else (the caller
 * then takes the general path).
 */
export function parseDecimal(text: string, start: number, end: number): number | undefined {
  let i = start
  const negative = text.charCodeAt(i) === 0x2d
  if (negative) i++
  if (i === end || end - i > 17) return undefined

  let mantissa = 0
  let fractionDigits = -1
  let digits = 0
  for (; i < end; i++) {
    const c = text.charCodeAt(i)
    if (c >= 0x30 && c <= 0x39) {
      mantissa = mantissa * 10 + (c - 0x30)
      digits++
      if (fractionDigits >= 0) fractionDigits++
    } else if (c === 0x2e && fractionDigits < 0) {
      fractionDigits = 0
    } else {
      return undefined
    }
  }

  if (digits === 0 || mantissa >= MAX_EXACT_MANTISSA) return undefined
  const value = fractionDigits > 0 ? mantissa / POWERS_OF_TEN[fractionDigits]! : mantissa
  return negative ? -value : value
}

/** A text-format timestamp: an integer count of milliseconds, optionally negative. */
export function parseMillisecondTimestamp(token: string): number | undefined {
  let i = token.charCodeAt(0) === 0x2d ? 1 : 0
  if (i === token.length) return undefined

  for (; i < token.length; i++) {
    const c = token.charCodeAt(i)
    if (c < 0x30 || c > 0x39) return undefined
  }

  const value = Number(token)
  return Number.isSafeInteger(value) ? value : undefined
}

/** An OpenMetrics timestamp: float seconds, returned as whole milliseconds. */
export function parseSecondTimestamp(token: string): number | undefined {
  const seconds = parseSampleValue(token)
  if (seconds === undefined || !Number.isFinite(seconds)) return undefined

  return Math.round(seconds * 1000)
}

function hasRadixPrefix(token: string): boolean {
  if (token.length < 2 || token.charCodeAt(0) !== 0x30) return false

  const second = token.charCodeAt(1) | 0x20
  return second === 0x78 || second === 0x62 || second === 0x6f
}
