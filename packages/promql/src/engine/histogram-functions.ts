/**
 * histogram_quantile and histogram_fraction over classic histograms: series that differ only
 * in their `le` (upper bound) label form one histogram.
 */
import { METRIC_NAME } from '../model/series.js'
import type { Labels } from '../model/series.js'
import type { SourceRange } from '../parser/ast.js'
import type { EvalContext } from './context.js'
import { labelsKey } from './labels.js'
import type { StepSeries, VectorValue } from './values.js'
import { emptyStepSeries } from './values.js'

interface Bucket {
  upperBound: number
  count: number
}

interface BucketGroup {
  readonly labels: Labels
  readonly members: { series: StepSeries; upperBound: number }[]
}

/** Computes one value per histogram and step from its buckets. */
type BucketReducer = (buckets: Bucket[], step: number, group: BucketGroup) => number

function groupBuckets(
  input: VectorValue,
  context: EvalContext,
  argRange: SourceRange,
): BucketGroup[] {
  const groups = new Map<string, BucketGroup>()
  for (const series of input.series) {
    const le = series.labels.le
    const upperBound = le === undefined ? NaN : parseBound(le)
    if (Number.isNaN(upperBound)) {
      context.annotations.warn(
        `bucket label "le" is missing or has a malformed value of "${le ?? ''}" for metric name ` +
          `"${series.labels[METRIC_NAME] ?? ''}"`,
        argRange,
      )
      continue
    }
    const labels: Record<string, string> = { ...series.labels }
    delete labels.le
    const key = labelsKey(labels)
    let group = groups.get(key)
    if (group === undefined) {
      group = { labels, members: [] }
      groups.set(key, group)
    }
    group.members.push({ series, upperBound })
  }
  return [...groups.values()]
}

function parseBound(text: string): number {
  const trimmed = text.trim()
  if (/^[+]?inf$/i.test(trimmed)) return Infinity
  if (/^-inf$/i.test(trimmed)) return -Infinity
  if (trimmed === '' || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed)) return NaN
  return Number(trimmed)
}

function reduceHistograms(
  groups: BucketGroup[],
  count: number,
  reduce: BucketReducer,
): VectorValue {
  const out: StepSeries[] = []
  for (const group of groups) {
    group.members.sort((a, b) => a.upperBound - b.upperBound)
    const result = emptyStepSeries(group.labels, count, true)
    let any = false
    for (let step = 0; step < count; step++) {
      const buckets: Bucket[] = []
      for (const { series, upperBound } of group.members) {
        if (series.present[step] === 1)
          buckets.push({ upperBound, count: series.values[step] ?? 0 })
      }
      if (buckets.length === 0) continue
      result.values[step] = reduce(buckets, step, group)
      result.present[step] = 1
      any = true
    }
    if (any) out.push(result)
  }
  return { kind: 'vector', series: out }
}

/** Merges equal bounds and forces counts to be non-decreasing; true if a fix was needed. */
function normalise(buckets: Bucket[]): { buckets: Bucket[]; fixed: boolean } {
  const merged: Bucket[] = []
  for (const bucket of buckets) {
    const last = merged[merged.length - 1]
    if (last !== undefined && last.upperBound === bucket.upperBound) last.count += bucket.count
    else merged.push({ ...bucket })
  }

  let fixed = false
  let max = -Infinity
  for (const bucket of merged) {
    if (bucket.count > max) {
      max = bucket.count
    } else if (bucket.count < max) {
      // Tiny decreases come from float rounding in rate(); only larger ones are reported.
      if (max - bucket.count > 1e-12 * Math.abs(max)) fixed = true
      bucket.count = max
    }
  }
  return { buckets: merged, fixed }
}

/** `histogram_quantile(φ, buckets)`, interpolating linearly inside the bucket. */
export function histogramQuantile(
  levels: Float64Array,
  input: VectorValue,
  count: number,
  context: EvalContext,
  callRange: SourceRange,
  argRange: SourceRange,
): VectorValue {
  const groups = groupBuckets(input, context, argRange)
  for (const level of levels) {
    if (Number.isNaN(level) || level < 0 || level > 1) {
      context.annotations.warn(
        `quantile value should be between 0 and 1, got ${String(level)}`,
        callRange,
      )
      break
    }
  }

  return reduceHistograms(groups, count, (raw, step, group) => {
    const q = levels[step] ?? NaN
    if (Number.isNaN(q)) return NaN
    if (q < 0) return -Infinity
    if (q > 1) return Infinity
    if ((raw[raw.length - 1]?.upperBound ?? 0) !== Infinity) return NaN

    const { buckets, fixed } = normalise(raw)
    if (fixed) {
      context.annotations.info(
        'input to histogram_quantile needed to be fixed for monotonicity (see ' +
          'https://prometheus.io/docs/prometheus/latest/querying/functions/#histogram_quantile) ' +
          `for metric name "${group.members[0]?.series.labels[METRIC_NAME] ?? ''}"`,
        argRange,
      )
    }
    if (buckets.length < 2) return NaN
    const observations = buckets[buckets.length - 1]?.count ?? 0
    if (observations === 0 || Number.isNaN(observations)) return NaN

    let rank = q * observations
    let index = buckets.findIndex((bucket) => bucket.count >= rank)
    if (index < 0) index = buckets.length - 1
    if (index === buckets.length - 1) return buckets[buckets.length - 2]?.upperBound ?? NaN
    const bucket = buckets[index] as Bucket
    if (index === 0 && bucket.upperBound <= 0) return bucket.upperBound

    let start = 0
    let inBucket = bucket.count
    if (index > 0) {
      const previous = buckets[index - 1] as Bucket
      start = previous.upperBound
      inBucket -= previous.count
      rank -= previous.count
    }
    return start + (bucket.upperBound - start) * (rank / inBucket)
  })
}

/** `histogram_fraction(lower, upper, buckets)`: the share of observations in (lower, upper]. */
export function histogramFraction(
  lowers: Float64Array,
  uppers: Float64Array,
  input: VectorValue,
  count: number,
  context: EvalContext,
  argRange: SourceRange,
): VectorValue {
  const groups = groupBuckets(input, context, argRange)
  return reduceHistograms(groups, count, (raw, step) => {
    if ((raw[raw.length - 1]?.upperBound ?? 0) !== Infinity) return NaN
    const { buckets } = normalise(raw)
    const total = buckets[buckets.length - 1]?.count ?? 0
    if (total === 0 || Number.isNaN(total)) return NaN
    const lower = lowers[step] ?? NaN
    const upper = uppers[step] ?? NaN
    if (Number.isNaN(lower) || Number.isNaN(upper)) return NaN
    if (lower >= upper) return 0
    return (countBelow(buckets, upper) - countBelow(buckets, lower)) / total
  })
}

/** Interpolated number of observations at or below `value`. */
function countBelow(buckets: Bucket[], value: number): number {
  if (value === -Infinity) return 0
  if (value === Infinity) return buckets[buckets.length - 1]?.count ?? 0
  let previousBound = 0
  let previousCount = 0
  for (const [index, bucket] of buckets.entries()) {
    if (index === 0 && bucket.upperBound <= 0) previousBound = -Infinity
    if (value <= bucket.upperBound) {
      // Observations of a bucket with an infinite bound sit at that bound.
      if (!Number.isFinite(previousBound)) return bucket.count
      if (bucket.upperBound === Infinity) return value === Infinity ? bucket.count : previousCount
      if (value <= previousBound) return previousCount
      const share = (value - previousBound) / (bucket.upperBound - previousBound)
      return previousCount + (bucket.count - previousCount) * share
    }
    previousBound = bucket.upperBound
    previousCount = bucket.count
  }
  return previousCount
}
