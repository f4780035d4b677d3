/**
 * Number formatting as Go's `strconv.FormatFloat(v, 'f', -1, 64)` and Prometheus print it.
 */

/** The shortest decimal that round-trips, never in exponent form; `+Inf`, `-Inf`, `NaN`. */
export function formatFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  if (Object.is(value, -0)) return '-0'

  const text = String(value)
  if (!/e/i.test(text)) return text

  const [mantissa = '', exponentText = '0'] = text.toLowerCase().split('e')
  const exponent = Number(exponentText)
  const negative = mantissa.startsWith('-')
  const digits = mantissa.replace('-', '').replace('.', '')
  const pointAt =
    (mantissa.replace('-', '').indexOf('.') + 1 || mantissa.replace('-', '').length + 1) - 1
  const position = pointAt + exponent
  let out: string
  if (position <= 0) out = `0.${'0'.repeat(-position)}${digits}`
  else if (position >= digits.length) out = digits + '0'.repeat(position - digits.length)
  else out = `${digits.slice(0, position)}.${digits.slice(position)}`
  return negative ? `-${out}` : out
}
