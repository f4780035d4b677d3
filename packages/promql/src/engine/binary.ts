/**
 * Binary operators between scalars and instant vectors, with vector matching
 * (`on`, `ignoring`, `group_left`, `group_right`) and the set operators.
 */
import { METRIC_NAME } from '../model/series.js'
import type { Labels } from '../model/series.js'
import type { BinaryExpr, VectorMatching } from '../parser/ast.js'
import { isComparisonOp } from '../parser/ast.js'
import type { EvalContext } from './context.js'
import { PromqlExecutionError } from './errors.js'
import {
  dropMetricName,
  formatAllLabels,
  keyOfExcluded,
  keyOfIncluded,
  omitLabels,
  pickLabels,
} from './labels.js'
import { mergeSeries } from './merge.js'
import { applyOperator } from './operators.js'
import type { ScalarValue, StepSeries, VectorValue } from './values.js'
import { StepSeriesBlock, emptyStepSeries } from './values.js'

/** scalar op scalar. */
export function scalarBinary(node: BinaryExpr, lhs: ScalarValue, rhs: ScalarValue): ScalarValue {
  const values = new Float64Array(lhs.values.length)
  for (let step = 0; step < values.length; step++) {
    const left = lhs.values[step] ?? NaN
    const right = rhs.values[step] ?? NaN
    values[step] = applyOperator(node.op, left, right, node.returnBool).value
  }
  return { kind: 'scalar', values }
}

/** vector op scalar, or scalar op vector when `scalarOnLeft`. */
export function vectorScalarBinary(
  node: BinaryExpr,
  vector: VectorValue,
  scalar: ScalarValue,
  scalarOnLeft: boolean,
): VectorValue {
  const comparison = isComparisonOp(node.op)
  const dropName = !comparison || node.returnBool
  const out: StepSeries[] = []
  const block = new StepSeriesBlock(vector.series.length, scalar.values.length)
  for (const series of vector.series) {
    const result = block.next(series.labels, series.dropName || dropName)
    let any = false
    for (let step = 0; step < series.values.length; step++) {
      if (series.present[step] !== 1) continue
      const sample = series.values[step] ?? 0
      const other = scalar.values[step] ?? NaN
      const [left, right] = scalarOnLeft ? [other, sample] : [sample, other]
      const { value, keep } = applyOperator(node.op, left, right, node.returnBool)
      if (!keep) continue
      result.values[step] = comparison && !node.returnBool ? sample : value
      result.present[step] = 1
      any = true
    }
    if (any) out.push(result)
    else block.release()
  }
  return { kind: 'vector', series: out }
}

/** Computes the matching signature of a label set. */
function signatureOf(matching: VectorMatching): (series: StepSeries) => string {
  if (matching.on) {
    return (series) => keyOfIncluded(effectiveLabels(series), matching.labels)
  }
  const excluded = new Set([...matching.labels, METRIC_NAME])
  return (series) => keyOfExcluded(series.labels, excluded)
}

function effectiveLabels(series: StepSeries): Labels {
  return series.dropName ? dropMetricName(series.labels) : series.labels
}

/** `and`, `or` and `unless`, step by step. */
export function setBinary(
  node: BinaryExpr,
  lhs: VectorValue,
  rhs: VectorValue,
  count: number,
): VectorValue {
  const signature = signatureOf(node.matching ?? defaultMatching)
  const presence = (side: VectorValue): Map<string, Uint8Array> => {
    const map = new Map<string, Uint8Array>()
    for (const series of side.series) {
      const key = signature(series)
      let steps = map.get(key)
      if (steps === undefined) {
        steps = new Uint8Array(count)
        map.set(key, steps)
      }
      for (let step = 0; step < count; step++)
        steps[step] = (steps[step] ?? 0) | (series.present[step] ?? 0)
    }
    return map
  }
  const filtered = (series: StepSeries, keepAt: (step: number) => boolean): StepSeries => {
    const result = emptyStepSeries(series.labels, count, series.dropName)
    for (let step = 0; step < count; step++) {
      if (series.present[step] === 1 && keepAt(step)) {
        result.values[step] = series.values[step] ?? 0
        result.present[step] = 1
      }
    }
    return result
  }
  const nonEmpty = (series: StepSeries): boolean => series.present.some((flag) => flag === 1)

  if (node.op === 'or') {
    const left = presence(lhs)
    const out = lhs.series.map((series) => filtered(series, () => true))
    for (const series of rhs.series) {
      const steps = left.get(signature(series))
      out.push(filtered(series, (step) => steps?.[step] !== 1))
    }
    return { kind: 'vector', series: mergeSeries(out.filter(nonEmpty), count) }
  }

  const right = presence(rhs)
  const wantMatch = node.op === 'and'
  const out = lhs.series.map((series) => {
    const steps = right.get(signature(series))
    return filtered(series, (step) => (steps?.[step] === 1) === wantMatch)
  })
  return { kind: 'vector', series: out.filter(nonEmpty) }
}

const defaultMatching: VectorMatching = {
  cardinality: 'one-to-one',
  on: false,
  labels: [],
  include: [],
}

/** Arithmetic and comparison between two vectors. */
export function vectorBinary(
  node: BinaryExpr,
  lhs: VectorValue,
  rhs: VectorValue,
  count: number,
  context: EvalContext,
): VectorValue {
  const matching = node.matching ?? defaultMatching
  if (matching.cardinality === 'many-to-many') {
    throw new PromqlExecutionError('bad_data', 'many-to-many only allowed for set operators')
  }
  const swapped = matching.cardinality === 'one-to-many'
  const many = swapped ? rhs : lhs
  const one = swapped ? lhs : rhs
  const signature = signatureOf(matching)
  const comparison = isComparisonOp(node.op)
  const dropName = !comparison || node.returnBool

  const oneBySignature = indexOneSide(one, signature, count, swapped ? 'left' : 'right')
  const matchedAt = new Map<string, Uint8Array>()
  const outputs = new Map<string, StepSeries>()
  // fill(): the values standing in for a missing partner on the "one" and "many" sides. As
  // in Prometheus, fill_right names the "one" side even under group_right.
  const fillOne = matching.fill?.rhs
  const fillMany = matching.fill?.lhs
  const manyPresence = new Map<string, Uint8Array>()

  const emit = (
    outputKey: string,
    labelsOf: () => Labels,
    seriesDropName: boolean,
    step: number,
    manyValue: number,
    oneValue: number,
  ): void => {
    const [left, right] = swapped ? [oneValue, manyValue] : [manyValue, oneValue]
    const { value, keep } = applyOperator(node.op, left, right, node.returnBool)
    if (!keep) return
    let output = outputs.get(outputKey)
    if (output === undefined) {
      output = emptyStepSeries(labelsOf(), count, seriesDropName || dropName)
      outputs.set(outputKey, output)
    }
    output.values[step] = value
    output.present[step] = 1
  }

  for (const [manyIndex, manySeries] of many.series.entries()) {
    context.tick(count)
    const key = signature(manySeries)
    const partner = oneBySignature.get(key)
    if (fillMany !== undefined) markPresence(manyPresence, key, manySeries, count)
    if (partner === undefined && fillOne === undefined) continue

    for (let step = 0; step < count; step++) {
      if (manySeries.present[step] !== 1) continue
      const manyValue = manySeries.values[step] ?? 0
      const oneIndex = partner?.at(step) ?? -1
      if (oneIndex < 0) {
        if (fillOne === undefined) continue
        const labels = (): Labels => resultLabels(manySeries, NO_SERIES, matching)
        emit(`${manyIndex}:fill`, labels, manySeries.dropName, step, manyValue, fillOne)
        continue
      }
      const oneSeries = one.series[oneIndex] as StepSeries

      if (matching.cardinality === 'one-to-one') {
        let used = matchedAt.get(key)
        if (used === undefined) {
          used = new Uint8Array(count)
          matchedAt.set(key, used)
        }
        if (used[step] === 1) {
          throw new PromqlExecutionError(
            'bad_data',
            'multiple matches for labels: many-to-one matching must be explicit ' +
              '(group_left/group_right)',
          )
        }
        used[step] = 1
      }

      const oneValue = oneSeries.values[step] ?? 0
      const labels = (): Labels => resultLabels(manySeries, oneSeries, matching)
      emit(`${manyIndex}:${oneIndex}`, labels, manySeries.dropName, step, manyValue, oneValue)
    }
  }

  // With a fill for the "many" side, a "one" series without any partner yields one result
  // labelled by its match group.
  if (fillMany !== undefined) {
    for (const [oneIndex, oneSeries] of one.series.entries()) {
      const key = signature(oneSeries)
      const present = manyPresence.get(key)
      const partner = oneBySignature.get(key)
      for (let step = 0; step < count; step++) {
        if (partner?.at(step) !== oneIndex || present?.[step] === 1) continue
        const labels = (): Labels => matchGroupOf(oneSeries, matching)
        const oneValue = oneSeries.values[step] ?? 0
        emit(`fill:${oneIndex}`, labels, false, step, fillMany, oneValue)
      }
    }
  }

  const message =
    matching.cardinality === 'one-to-one'
      ? 'multiple matches for labels: many-to-one matching must be explicit ' +
        '(group_left/group_right)'
      : 'multiple matches for labels: grouping labels must ensure unique matches'
  return { kind: 'vector', series: mergeSeries([...outputs.values()], count, message) }
}

interface OneSide {
  /** The index of the series present at `step`, or -1. */
  at(step: number): number
}

/** Groups the "one" side by signature, rejecting two series of a group at the same step. */
function indexOneSide(
  one: VectorValue,
  signature: (series: StepSeries) => string,
  count: number,
  side: 'left' | 'right',
): Map<string, OneSide> {
  const groups = new Map<string, number[]>()
  one.series.forEach((series, index) => {
    const key = signature(series)
    const members = groups.get(key)
    if (members === undefined) groups.set(key, [index])
    else members.push(index)
  })

  const result = new Map<string, OneSide>()
  for (const [key, members] of groups) {
    if (members.length === 1) {
      const index = members[0] ?? 0
      const series = one.series[index] as StepSeries
      result.set(key, { at: (step) => (series.present[step] === 1 ? index : -1) })
      continue
    }

    const chosen = new Int32Array(count).fill(-1)
    for (const index of members) {
      const series = one.series[index] as StepSeries
      for (let step = 0; step < count; step++) {
        if (series.present[step] !== 1) continue
        const previous = chosen[step] ?? -1
        if (previous >= 0) throw duplicateError(one, previous, index, key, side, series)
        chosen[step] = index
      }
    }
    result.set(key, { at: (step) => chosen[step] ?? -1 })
  }
  return result
}

function duplicateError(
  one: VectorValue,
  first: number,
  second: number,
  _key: string,
  side: 'left' | 'right',
  series: StepSeries,
): PromqlExecutionError {
  const a = one.series[first] as StepSeries
  const b = one.series[second] as StepSeries
  const sorted = [formatAllLabels(a.labels), formatAllLabels(b.labels)].sort()
  const group = formatAllLabels(matchGroupLabels(series, a))
  return new PromqlExecutionError(
    'bad_data',
    `found duplicate series for the match group ${group} on the ${side} hand-side of the ` +
      `operation: [${sorted.join(', ')}];many-to-many matching not allowed: matching labels ` +
      'must be unique on one side',
  )
}

/** The labels two series share (what Prometheus prints as the match group). */
function matchGroupLabels(a: StepSeries, b: StepSeries): Labels {
  const shared = Object.keys(a.labels).filter((name) => a.labels[name] === b.labels[name])
  return pickLabels(
    a.labels,
    shared.filter((name) => name !== METRIC_NAME),
  )
}

const NO_SERIES: StepSeries = emptyStepSeries({}, 0)

function markPresence(
  presence: Map<string, Uint8Array>,
  key: string,
  series: StepSeries,
  count: number,
): void {
  let steps = presence.get(key)
  if (steps === undefined) {
    steps = new Uint8Array(count)
    presence.set(key, steps)
  }
  for (let step = 0; step < count; step++)
    steps[step] = (steps[step] ?? 0) | (series.present[step] ?? 0)
}

/** The labels a match group is known by: the `on` labels, or all but the ignored ones. */
function matchGroupOf(series: StepSeries, matching: VectorMatching): Labels {
  if (matching.on) return pickLabels(series.labels, matching.labels)
  return omitLabels(series.labels, new Set([...matching.labels, METRIC_NAME]))
}

function resultLabels(many: StepSeries, one: StepSeries, matching: VectorMatching): Labels {
  let labels: Record<string, string> = { ...many.labels }
  if (matching.cardinality === 'one-to-one') {
    if (matching.on) {
      labels = { ...pickLabels(labels, matching.labels) }
    } else {
      for (const name of matching.labels) delete labels[name]
    }
  }
  for (const name of matching.include) {
    const value = one.labels[name]
    if (value !== undefined && value !== '') labels[name] = value
    else delete labels[name]
  }
  return labels
}
