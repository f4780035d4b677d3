/**
 * Numeric helpers shared by aggregations and range functions, following Prometheus's
 * choices (Kahan summation, linear interpolation between ranks for quantiles).
 */

/** Compensated summation that keeps small addends next to large ones. */
export class KahanSum {
  #sum = 0
  #compensation = 0

  add(value: number): void {
    const next = this.#sum + value
    if (Math.abs(this.#sum) >= Math.abs(value)) {
      this.#compensation += this.#sum - next + value
    } else {
      this.#compensation += value - next + this.#sum
    }
    this.#sum = next
  }

  get value(): number {
    // Infinities make the compensation NaN; the plain sum is then the answer.
    if (!Number.isFinite(this.#sum)) return this.#sum
    return this.#sum + this.#compensation
  }
}

/** The φ-quantile of `values` (which it sorts in place); ±Inf outside [0, 1], NaN for NaN. */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return NaN
  if (q < 0) return -Infinity
  if (q > 1) return Infinity

  // Go's sort puts NaN first; results on NaN input follow Prometheus that way.
  values.sort((a, b) =>
    Number.isNaN(a) ? (Number.isNaN(b) ? 0 : -1) : Number.isNaN(b) ? 1 : a - b,
  )
  const rank = q * (values.length - 1)
  const lower = Math.max(0, Math.floor(rank))
  const upper = Math.min(values.length - 1, lower + 1)
  const weight = rank - Math.floor(rank)
  return (values[lower] ?? NaN) * (1 - weight) + (values[upper] ?? NaN) * weight
}

/**
 * The arithmetic mean, by Kahan summation while the sum stays finite and by an incremental
 * mean once it would overflow (so `avg(1e308, 1e308, -1e308)` stays finite).
 */
export function mean(values: ArrayLike<number>, from = 0, to = values.length): number {
  const sum = new KahanSum()
  let incremental = false
  let average = 0
  let count = 0
  for (let index = from; index < to; index++) {
    const value = values[index] ?? 0
    count++
    if (!incremental) {
      const before = sum.value
      sum.add(value)
      if (Number.isFinite(sum.value) || !Number.isFinite(value)) continue
      incremental = true
      average = count > 1 ? before / (count - 1) : 0
    }
    average = ((count - 1) / count) * average + value / count
  }
  return incremental ? average : sum.value / count
}

/** Population variance by Welford's method (what stdvar and stddev report). */
export function variance(values: ArrayLike<number>, from: number, to: number): number {
  let count = 0
  let mean = 0
  let aux = 0
  for (let index = from; index < to; index++) {
    const value = values[index] ?? 0
    count++
    const delta = value - mean
    mean += delta / count
    aux += delta * (value - mean)
  }
  return aux / count
}

/**
 * Least-squares slope and intercept of values against time in seconds relative to
 * `interceptMs`. A constant series has slope 0, as in Prometheus.
 */
export function linearRegression(
  timestampsMs: Float64Array,
  values: Float64Array,
  from: number,
  to: number,
  interceptMs: number,
): { slope: number; intercept: number } {
  const sumX = new KahanSum()
  const sumY = new KahanSum()
  const sumXY = new KahanSum()
  const sumX2 = new KahanSum()
  let constant = true
  const first = values[from] ?? 0
  for (let index = from; index < to; index++) {
    const y = values[index] ?? 0
    if (index > from && y !== values[index - 1]) constant = false
    const x = ((timestampsMs[index] ?? 0) - interceptMs) / 1000
    sumX.add(x)
    sumY.add(y)
    sumXY.add(x * y)
    sumX2.add(x * x)
  }
  if (constant) {
    if (!Number.isFinite(first)) return { slope: NaN, intercept: NaN }
    return { slope: 0, intercept: first }
  }

  const n = to - from
  const covXY = sumXY.value - (sumX.value * sumY.value) / n
  const varX = sumX2.value - (sumX.value * sumX.value) / n
  const slope = covXY / varX
  const intercept = sumY.value / n - (slope * sumX.value) / n
  return { slope, intercept }
}
