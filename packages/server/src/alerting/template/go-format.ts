/**
 * Go's number and value formatting as templates print it (`%v`, `%g`, `%f`, `printf`), so
 * an annotation renders the same text on Rampart as on Prometheus.
 */

/** Go's `%e`-style exponent: at least two digits, always signed. */
function goExponent(exponent: number): string {
  const sign = exponent < 0 ? '-' : '+'
  return `e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`
}

function specialFloat(value: number): string | undefined {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return undefined
}

/**
 * `toExponential` rounds exact ties away from zero where Go rounds them to even; ties are
 * exact only for dyadic values, and integers are the common case (`%.4g` of 12345).
 */
function roundedExponential(value: number, precision: number): string {
  const digits = Math.max(precision, 1)
  const text = value.toExponential(digits - 1)
  const shortest = value.toExponential()
  const mantissa = shortest.split('e')[0]?.replace(/[-.]/g, '') ?? ''
  const tie = mantissa.length === digits + 1 && mantissa.endsWith('5')
  if (!tie || !Number.isSafeInteger(value)) return text
  const kept = Number(mantissa.slice(digits - 1, digits))
  if (kept % 2 === 1) return text
  // Drop the tie digit (worth 5 at 10^(exponent - digits)) so the rounding goes down.
  const exponent = Number(shortest.split('e')[1])
  const down = Math.abs(value) - 5 * 10 ** (exponent - digits)
  return (Math.sign(value) * down).toExponential(digits - 1)
}

/**
 * `%g` with a precision (`%.4g`), or the shortest representation when `precision` is
 * undefined (`%v` of a float64): exponent form when the exponent is below -4 or at least
 * the precision (6 for the shortest form), trailing zeros removed.
 */
export function formatGoFloatG(value: number, precision?: number): string {
  const special = specialFloat(value)
  if (special !== undefined) return special
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const exponential =
    precision === undefined ? value.toExponential() : roundedExponential(value, precision)
  const [mantissaText = '0', exponentText = '0'] = exponential.split('e')
  const exponent = Number(exponentText)
  const limit = precision === undefined ? 21 : Math.max(precision, 1)
  const threshold = precision === undefined ? 6 : limit
  const mantissa = mantissaText.includes('.') ? mantissaText.replace(/\.?0+$/, '') : mantissaText
  if (exponent < -4 || exponent >= threshold) return `${mantissa}${goExponent(exponent)}`
  const digits = Math.max(0, (mantissa.split('.')[1]?.length ?? 0) - exponent)
  const fixed = Number(exponential).toFixed(Math.min(100, digits))
  return fixed.includes('.') ? fixed.replace(/\.?0+$/, '') : fixed
}

/** `%e` with a precision (default 6). */
function formatGoFloatE(value: number, precision = 6): string {
  const special = specialFloat(value)
  if (special !== undefined) return special
  const [mantissa = '0', exponent = '0'] = value.toExponential(precision).split('e')
  return `${mantissa}${goExponent(Number(exponent))}`
}

/** How `{{ x }}` prints a value: floats as `%v`, maps as `map[k:v ...]`, nil as `<no value>`. */
export function formatGoValue(value: unknown): string {
  if (value === undefined || value === null) return '<no value>'
  if (typeof value === 'number') return formatGoFloatG(value)
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `[${value.map(formatGoValue).join(' ')}]`
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, item]) => `${key}:${formatGoValue(item)}`)
    return `map[${entries.join(' ')}]`
  }
  return typeof value === 'bigint' ? value.toString() : '<unknown>'
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'boolean') return value ? 1 : 0
  return Number(value)
}

function pad(text: string, width: number | undefined, flags: string): string {
  if (width === undefined || text.length >= width) return text
  if (flags.includes('-')) return text.padEnd(width)
  if (flags.includes('0') && /^[-+]?[\d.]/.test(text)) {
    const sign = /^[-+]/.test(text) ? text.slice(0, 1) : ''
    return sign + text.slice(sign.length).padStart(width - sign.length, '0')
  }
  return text.padStart(width)
}

function formatVerb(verb: string, value: unknown, precision: number | undefined): string {
  switch (verb) {
    case 'v':
    case 's':
      return typeof value === 'number' && precision !== undefined
        ? formatGoFloatG(value, precision)
        : formatGoValue(value)
    case 'q':
      return JSON.stringify(formatGoValue(value))
    case 'd':
      return String(Math.trunc(toNumber(value)))
    case 'f':
    case 'F': {
      const number = toNumber(value)
      return specialFloat(number) ?? number.toFixed(precision ?? 6)
    }
    case 'e':
      return formatGoFloatE(toNumber(value), precision)
    case 'g':
      return formatGoFloatG(toNumber(value), precision)
    case 'x':
      return typeof value === 'string'
        ? Buffer.from(value).toString('hex')
        : Math.trunc(toNumber(value)).toString(16)
    case 't':
      return String(Boolean(value))
    default:
      return `%!${verb}(${formatGoValue(value)})`
  }
}

/** Go's `fmt.Sprintf` for the verbs templates use: `%v %s %q %d %f %e %g %x %t %%`. */
export function sprintf(format: string, args: readonly unknown[]): string {
  let argument = 0
  let output = ''
  let position = 0
  for (const match of format.matchAll(/%([-+# 0]*)(\d+)?(?:\.(\d+))?([a-zA-Z%])/g)) {
    output += format.slice(position, match.index)
    position = match.index + match[0].length
    const [, flags = '', width, precision, verb = 'v'] = match
    if (verb === '%') {
      output += '%'
      continue
    }
    if (argument >= args.length) {
      output += `%!${verb}(MISSING)`
      continue
    }
    const value = args[argument++]
    let text = formatVerb(verb, value, precision === undefined ? undefined : Number(precision))
    if (flags.includes('+') && /^\d/.test(text) && 'dfeg'.includes(verb)) text = `+${text}`
    output += pad(text, width === undefined ? undefined : Number(width), flags)
  }
  return output + format.slice(position)
}
