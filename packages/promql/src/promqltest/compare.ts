/**
 * Compares a query's value with a test's expectations, with the float tolerance Prometheus's
 * test framework uses.
 */
import type { MatrixSeries, QueryValue } from '../engine/query.js'
import { formatAllLabels, labelsKey } from '../engine/labels.js'
import type { EvalCommand, ExpectedSeries } from './script.js'

const EPSILON = 0.000001
const MIN_NORMAL = 2.2250738585072014e-308

/** Equal within a relative error of 1e-6; two NaNs are equal. */
export function almostEqual(a: number, b: number, epsilon = EPSILON): boolean {
  if (Number.isNaN(a) && Number.isNaN(b)) return true
  if (a === b) return true
  const absSum = Math.abs(a) + Math.abs(b)
  const diff = Math.abs(a - b)
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < epsilon * MIN_NORMAL
  return diff / Math.min(absSum, Number.MAX_VALUE) < epsilon
}

/** Undefined when the value matches, otherwise why not. */
export function compareValue(
  command: EvalCommand,
  value: QueryValue,
  ordered: boolean,
): string | undefined {
  if (command.expectedString !== undefined) {
    if (value.resultType !== 'string') return `expected string, got ${value.resultType}`
    return value.value === command.expectedString
      ? undefined
      : `expected string "${command.expectedString}" but got "${value.value}"`
  }

  switch (value.resultType) {
    case 'string':
      return `unexpected string result "${value.value}"`
    case 'scalar': {
      const expected = command.expectedScalar
      if (expected === undefined)
        return `expected vector or matrix result, but got scalar ${value.value}`
      if (expected.kind !== 'value') return 'expected a non-float scalar'
      return almostEqual(expected.value, value.value)
        ? undefined
        : `expected scalar ${expected.value} but got ${value.value}`
    }
    case 'vector':
      return compareVector(command, value.samples, ordered)
    case 'matrix': {
      if (ordered) return 'expected ordered result, but query returned a matrix'
      const grid = command.range ?? command.expectedRangeVector
      if (grid === undefined) return 'unexpected matrix result'
      return compareMatrix(command, value.series, grid.startMs, grid.endMs, grid.stepMs)
    }
  }
}

function compareVector(
  command: EvalCommand,
  samples: readonly { labels: Record<string, string>; value: number }[],
  ordered: boolean,
): string | undefined {
  if (command.expectedScalar !== undefined) return 'expected scalar result, but got vector'
  const expected = indexExpected(command.expectedSeries)
  const seen = new Set<string>()
  for (const [position, sample] of samples.entries()) {
    const key = labelsKey(sample.labels)
    const entry = expected.get(key)
    if (entry === undefined) {
      const name = formatAllLabels(sample.labels)
      return `unexpected metric ${name} in result, has value ${sample.value}`
    }
    if (ordered && entry.position !== position + 1) {
      const name = formatAllLabels(sample.labels)
      return `expected metric ${name} at position ${entry.position} but was at ${position + 1}`
    }
    const first = entry.values[0]
    if (first === undefined || first.kind !== 'value') return 'expected a non-float value'
    if (!almostEqual(first.value, sample.value)) {
      return `expected ${first.value} for ${formatAllLabels(sample.labels)} but got ${sample.value}`
    }
    seen.add(key)
  }
  for (const [key, entry] of expected) {
    if (!seen.has(key)) return `expected metric ${formatAllLabels(entry.labels)} not found`
  }
  return undefined
}

function compareMatrix(
  command: EvalCommand,
  series: readonly MatrixSeries[],
  startMs: number,
  endMs: number,
  stepMs: number,
): string | undefined {
  if (command.expectedScalar !== undefined) return 'expected scalar result, but got matrix'
  const expected = indexExpected(command.expectedSeries)
  const seen = new Set<string>()
  for (const item of series) {
    const key = labelsKey(item.labels)
    const entry = expected.get(key)
    const name = formatAllLabels(item.labels)
    if (entry === undefined) return `unexpected metric ${name} in result`
    seen.add(key)

    const points: { timestampMs: number; value: number }[] = []
    for (const [index, value] of entry.values.entries()) {
      const timestampMs = startMs + index * stepMs
      if (timestampMs > endMs) return `expected more points than the range holds for ${key}`
      if (value.kind === 'value') points.push({ timestampMs, value: value.value })
      if (value.kind === 'histogram') return 'expected native histogram points'
    }
    if (points.length !== item.points.length) {
      const actual = JSON.stringify(item.points)
      return `expected ${points.length} points for ${name}, got ${item.points.length}: ${actual}`
    }
    for (const [index, point] of points.entries()) {
      const actual = item.points[index]
      if (actual === undefined || actual.timestampMs !== point.timestampMs) {
        return `expected a point at ${point.timestampMs} for ${name}, got ${actual?.timestampMs}`
      }
      if (!almostEqual(point.value, actual.value)) {
        return `expected ${point.value} at ${point.timestampMs} for ${name} but got ${actual.value}`
      }
    }
  }
  for (const [key, entry] of expected) {
    if (!seen.has(key)) return `expected metric ${formatAllLabels(entry.labels)} not found`
  }
  return undefined
}

function indexExpected(series: readonly ExpectedSeries[]): Map<string, ExpectedSeries> {
  return new Map(series.map((entry) => [labelsKey(entry.labels), entry]))
}
