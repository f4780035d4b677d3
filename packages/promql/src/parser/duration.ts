/**
 * Prometheus durations: one or more `<integer><unit>` pairs with units in the order
 * y, w, d, h, m, s, ms, each at most once (`1h30m`, `90s`, `1y2w`). A year is 365 days.
 */

const UNIT_MS: Readonly<Record<string, number>> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
}

const UNIT_ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms']

const PAIR = /(\d+)(ms|y|w|d|h|m|s)/y

/** Milliseconds of a duration string, or undefined when it is not a valid duration. */
export function parseDurationMs(text: string): number | undefined {
  if (text === '0') return 0

  let total = 0
  let position = 0
  let lastUnit = -1
  while (position < text.length) {
    PAIR.lastIndex = position
    const match = PAIR.exec(text)
    if (match === null) return undefined

    const unit = match[2] ?? ''
    const order = UNIT_ORDER.indexOf(unit)
    if (order <= lastUnit) return undefined
    lastUnit = order
    total += Number(match[1]) * (UNIT_MS[unit] ?? 0)
    position = PAIR.lastIndex
  }
  return lastUnit === -1 ? undefined : total
}

/** Formats milliseconds the way Prometheus prints durations (`1h30m`, `0s`). */
export function formatDurationMs(ms: number): string {
  if (ms === 0) return '0s'

  let rest = Math.abs(ms)
  let out = ms < 0 ? '-' : ''
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit] ?? 1
    const count = Math.floor(rest / size)
    if (count > 0) {
      out += `${count}${unit}`
      rest -= count * size
    }
  }
  return out
}
