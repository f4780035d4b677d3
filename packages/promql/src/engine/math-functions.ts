/**
 * Instant-vector functions that map each sample on its own: math, trigonometry, rounding,
 * clamping and calendar fields.
 */
import type { ScalarValue, StepSeries, VectorValue } from './values.js'
import { StepSeriesBlock } from './values.js'

/** Maps a sample to a value, or undefined to drop it; `step` indexes scalar arguments. */
export type SampleMapper = (value: number, step: number) => number | undefined

const simple: Readonly<Record<string, (value: number) => number>> = {
  abs: Math.abs,
  ceil: Math.ceil,
  floor: Math.floor,
  exp: Math.exp,
  sqrt: Math.sqrt,
  ln: Math.log,
  log2: Math.log2,
  log10: Math.log10,
  sgn: (value) => (Number.isNaN(value) ? value : Math.sign(value)),
  deg: (value) => (value * 180) / Math.PI,
  rad: (value) => (value * Math.PI) / 180,
  acos: Math.acos,
  acosh: Math.acosh,
  asin: Math.asin,
  asinh: Math.asinh,
  atan: Math.atan,
  atanh: Math.atanh,
  cos: Math.cos,
  cosh: Math.cosh,
  sin: Math.sin,
  sinh: Math.sinh,
  tan: Math.tan,
  tanh: Math.tanh,
}

const calendar: Readonly<Record<string, (date: Date) => number>> = {
  day_of_month: (date) => date.getUTCDate(),
  day_of_week: (date) => date.getUTCDay(),
  day_of_year: (date) => {
    const start = Date.UTC(date.getUTCFullYear(), 0, 1)
    return Math.floor((date.getTime() - start) / 86_400_000) + 1
  },
  days_in_month: (date) =>
    new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 0)).getUTCDate(),
  hour: (date) => date.getUTCHours(),
  minute: (date) => date.getUTCMinutes(),
  month: (date) => date.getUTCMonth() + 1,
  year: (date) => date.getUTCFullYear(),
}

/** The mapper of a one-argument math function, if `name` is one. */
export function simpleMapper(name: string): SampleMapper | undefined {
  const fn = simple[name]
  return fn === undefined ? undefined : (value) => fn(value)
}

/** The mapper of a calendar function, reading the sample as Unix seconds (UTC). */
export function calendarMapper(name: string): SampleMapper | undefined {
  const fn = calendar[name]
  if (fn === undefined) return undefined
  return (value) => (Number.isFinite(value) ? fn(new Date(value * 1000)) : NaN)
}

/** `round(v, to_nearest)`: half rounds up, as Prometheus does. */
export function roundMapper(toNearest: ScalarValue | undefined): SampleMapper {
  return (value, step) => {
    const nearest = toNearest?.values[step] ?? 1
    const inverse = 1 / nearest
    return Math.floor(value * inverse + 0.5) / inverse
  }
}

/** `clamp`, `clamp_min`, `clamp_max`; nothing when min > max. */
export function clampMapper(
  min: ScalarValue | undefined,
  max: ScalarValue | undefined,
): SampleMapper {
  return (value, step) => {
    const low = min?.values[step] ?? -Infinity
    const high = max?.values[step] ?? Infinity
    if (low > high) return undefined
    return Math.max(low, Math.min(high, value))
  }
}

/** Applies a mapper to every sample; results lose their metric name unless `keepName`. */
export function mapSamples(
  input: VectorValue,
  mapper: SampleMapper,
  keepName = false,
): VectorValue {
  const out: StepSeries[] = []
  const count = input.series[0]?.values.length ?? 0
  const block = new StepSeriesBlock(input.series.length, count)
  for (const series of input.series) {
    const result = block.next(series.labels, series.dropName || !keepName)
    let any = false
    for (let step = 0; step < count; step++) {
      if (series.present[step] !== 1) continue
      const value = mapper(series.values[step] ?? 0, step)
      if (value === undefined) continue
      result.values[step] = value
      result.present[step] = 1
      any = true
    }
    if (any) out.push(result)
    else block.release()
  }
  return { kind: 'vector', series: out }
}
