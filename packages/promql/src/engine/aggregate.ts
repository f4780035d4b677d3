/**
 * Aggregation operators. Series are grouped once by their `by`/`without` labels; each group
 * is then reduced step by step.
 */
import { METRIC_NAME } from '../model/series.js'
import type { Labels } from '../model/series.js'
import type { AggregateExpr } from '../parser/ast.js'
import type { EvalContext } from './context.js'
import { PromqlExecutionError } from './errors.js'
import { formatFloat } from './format.js'
import { keyOfExcluded, keyOfIncluded, labelsKey, omitLabels, pickLabels } from './labels.js'
import { KahanSum, mean, quantile } from './stats.js'
import { xxhash64 } from './xxhash64.js'
import type { StepSeries, Timeline, VectorValue } from './values.js'
import { emptyStepSeries } from './values.js'

interface Group {
  readonly labels: Labels
  readonly members: StepSeries[]
  /** Some member's metric name is pending removal, so the output's is too. */
  dropName: boolean
}

/** The parameter of an aggregation, evaluated per step (a number or a label name). */
export type AggregateParam = Float64Array | string | undefined

/** Evaluates an aggregation over its evaluated input and parameter. */
export function aggregate(
  node: AggregateExpr,
  input: VectorValue,
  param: AggregateParam,
  timeline: Timeline,
  context: EvalContext,
): VectorValue {
  const groups = groupSeries(node, input.series)
  const count = timeline.count

  switch (node.op) {
    case 'topk':
    case 'bottomk':
    case 'limitk':
    case 'limit_ratio':
      return selectSeries(node, groups, param as Float64Array, count, context)
    case 'count_values':
      return countValues(groups, param as string, count)
    case 'quantile':
      warnQuantileRange(node, param as Float64Array, context)
      return reduceGroups(groups, count, context, (values, step) =>
        quantile((param as Float64Array)[step] ?? NaN, values),
      )
    case 'sum':
    case 'avg':
    case 'count':
    case 'group':
    case 'min':
    case 'max':
      return {
        kind: 'vector',
        series: groups.flatMap((group) => streamGroup(node.op, group, count, context)),
      }
    default:
      return reduceGroups(groups, count, context, REDUCERS[node.op] ?? sum)
  }
}

function groupSeries(node: AggregateExpr, series: readonly StepSeries[]): Group[] {
  const groups = new Map<string, Group>()
  const excluded = new Set([...node.grouping, METRIC_NAME])
  for (const member of series) {
    // Names pending removal still partition `by (__name__)`, as with Prometheus's delayed
    // name removal; the output then drops the name.
    const labels = member.labels
    const key = node.without
      ? keyOfExcluded(labels, excluded)
      : keyOfIncluded(labels, node.grouping)
    let group = groups.get(key)
    if (group === undefined) {
      const groupLabels = node.without
        ? omitLabels(labels, excluded)
        : pickLabels(labels, node.grouping)
      group = { labels: groupLabels, members: [], dropName: false }
      groups.set(key, group)
    }
    group.members.push(member)
    if (member.dropName) group.dropName = true
  }
  return [...groups.values()]
}

type Reducer = (values: number[], step: number) => number

const sum: Reducer = (values) => {
  const total = new KahanSum()
  for (const value of values) total.add(value)
  return total.value
}

const REDUCERS: Partial<Record<AggregateExpr['op'], Reducer>> = {
  sum,
  avg: (values) => mean(values),
  count: (values) => values.length,
  group: () => 1,
  min: (values) => extreme(values, false),
  max: (values) => extreme(values, true),
  stdvar: (values) => populationVariance(values),
  stddev: (values) => Math.sqrt(populationVariance(values)),
}

function extreme(values: number[], max: boolean): number {
  let result = values[0] ?? NaN
  for (const value of values) {
    if (Number.isNaN(result) || (max ? value > result : value < result)) result = value
  }
  return result
}

function populationVariance(values: number[]): number {
  let count = 0
  let mean = 0
  let aux = 0
  for (const value of values) {
    count++
    const delta = value - mean
    mean += delta / count
    aux += delta * (value - mean)
  }
  return aux / count
}

/**
 * The common aggregations in one pass per member over all steps, without building a list of
 * values per step: what keeps `sum by (...)` over many series fast.
 */
function streamGroup(
  op: AggregateExpr['op'],
  group: Group,
  count: number,
  context: EvalContext,
): StepSeries[] {
  const total = new Float64Array(count)
  const compensation = new Float64Array(count)
  const seen = new Float64Array(count)
  const extreme = op === 'min' || op === 'max'
  const max = op === 'max'

  for (const member of group.members) {
    context.tick(count)
    const { values, present } = member
    for (let step = 0; step < count; step++) {
      if (present[step] !== 1) continue
      const value = values[step] ?? 0
      const n = (seen[step] ?? 0) + 1
      seen[step] = n
      if (extreme) {
        const current = total[step] ?? 0
        if (n === 1 || Number.isNaN(current) || (max ? value > current : value < current)) {
          total[step] = value
        }
        continue
      }
      const sumBefore = total[step] ?? 0
      const next = sumBefore + value
      compensation[step] =
        (compensation[step] ?? 0) +
        (Math.abs(sumBefore) >= Math.abs(value)
          ? sumBefore - next + value
          : value - next + sumBefore)
      total[step] = next
    }
  }

  const result = emptyStepSeries(group.labels, count, group.dropName)
  let any = false
  for (let step = 0; step < count; step++) {
    const n = seen[step] ?? 0
    if (n === 0) continue
    any = true
    result.present[step] = 1
    const sumValue = total[step] ?? 0
    const compensated = Number.isFinite(sumValue) ? sumValue + (compensation[step] ?? 0) : sumValue
    switch (op) {
      case 'count':
        result.values[step] = n
        break
      case 'group':
        result.values[step] = 1
        break
      case 'avg':
        result.values[step] = Number.isFinite(sumValue)
          ? compensated / n
          : mean(group.members.filter((m) => m.present[step] === 1).map((m) => m.values[step] ?? 0))
        break
      case 'min':
      case 'max':
        result.values[step] = sumValue
        break
      default:
        result.values[step] = compensated
    }
  }
  return any ? [result] : []
}

function reduceGroups(
  groups: Group[],
  count: number,
  context: EvalContext,
  reduce: Reducer,
): VectorValue {
  const out: StepSeries[] = []
  const values: number[] = []
  for (const group of groups) {
    const result = emptyStepSeries(group.labels, count, group.dropName)
    let any = false
    for (let step = 0; step < count; step++) {
      context.tick(group.members.length)
      values.length = 0
      for (const member of group.members) {
        if (member.present[step] === 1) values.push(member.values[step] ?? 0)
      }
      if (values.length === 0) continue
      result.values[step] = reduce(values, step)
      result.present[step] = 1
      any = true
    }
    if (any) out.push(result)
  }
  return { kind: 'vector', series: out }
}

/** topk, bottomk, limitk and limit_ratio: they pass input series through unchanged. */
function selectSeries(
  node: AggregateExpr,
  groups: Group[],
  param: Float64Array,
  count: number,
  context: EvalContext,
): VectorValue {
  const outputs = new Map<StepSeries, StepSeries>()
  const ordered: StepSeries[] = []
  const hashes = new Map<Labels, number>()
  const emit = (member: StepSeries, step: number): void => {
    let copy = outputs.get(member)
    if (copy === undefined) {
      copy = emptyStepSeries(member.labels, count, member.dropName)
      outputs.set(member, copy)
      ordered.push(copy)
    }
    copy.values[step] = member.values[step] ?? 0
    copy.present[step] = 1
  }

  const memberCount = groups.reduce((total, group) => total + group.members.length, 0)
  for (let step = 0; step < count; step++) {
    context.tick(memberCount)
    const raw = param[step] ?? NaN
    if (node.op === 'limit_ratio') {
      const ratio = checkRatio(raw, node, context)
      for (const group of groups) {
        for (const member of group.members) {
          if (member.present[step] === 1 && ratioKeeps(member.labels, ratio, hashes)) {
            emit(member, step)
          }
        }
      }
      continue
    }

    if (Number.isNaN(raw)) throw new PromqlExecutionError('bad_data', 'Parameter value is NaN')
    const k = Math.min(Math.trunc(raw), Number.MAX_SAFE_INTEGER)
    if (k < 1) continue
    for (const group of groups) {
      const present = group.members.filter((member) => member.present[step] === 1)
      if (node.op === 'limitk') {
        present.slice(0, k).forEach((member) => emit(member, step))
        continue
      }
      const top = node.op === 'topk'
      const rank = (member: StepSeries): number => {
        const value = member.values[step] ?? 0
        return Number.isNaN(value) ? (top ? -Infinity : Infinity) : value
      }
      const sorted = present
        .map((member, index) => ({ member, index, value: rank(member) }))
        .sort((a, b) => (top ? b.value - a.value : a.value - b.value) || a.index - b.index)
      sorted.slice(0, k).forEach(({ member }) => emit(member, step))
    }
  }
  return { kind: 'vector', series: ordered }
}

function checkRatio(raw: number, node: AggregateExpr, context: EvalContext): number {
  if (Number.isNaN(raw)) throw new PromqlExecutionError('bad_data', 'Ratio value is NaN')
  if (raw >= -1 && raw <= 1) return raw
  const capped = raw < 0 ? -1 : 1
  const range = node.param?.range ?? node.range
  context.annotations.warn(
    `ratio value should be between -1 and 1, got ${formatFloat(raw)}, capping to ${capped}`,
    range,
  )
  return capped
}

/**
 * Whether limit_ratio keeps a series: its label hash mapped onto [0, 1] falls below the ratio
 * (or, for a negative ratio, at or above 1 + ratio), so complementary ratios partition the
 * series. The hash is Prometheus's (XXH64 over `name 0xff value 0xff` in name order), so the
 * same series are kept as there.
 */
function ratioKeeps(labels: Labels, ratio: number, cache: Map<Labels, number>): boolean {
  let offset = cache.get(labels)
  if (offset === undefined) {
    offset = Number(xxhash64(labelBytes(labels))) / 2 ** 64
    cache.set(labels, offset)
  }
  return ratio >= 0 ? offset < ratio : offset >= 1 + ratio
}

function labelBytes(labels: Labels): Uint8Array {
  const encoder = new TextEncoder()
  const parts: number[] = []
  for (const name of Object.keys(labels).sort()) {
    parts.push(...encoder.encode(name), 0xff, ...encoder.encode(labels[name] ?? ''), 0xff)
  }
  return Uint8Array.from(parts)
}

function countValues(groups: Group[], label: string, count: number): VectorValue {
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) {
    throw new PromqlExecutionError('bad_data', `invalid label name ${JSON.stringify(label)}`)
  }
  const outputs = new Map<string, StepSeries>()
  for (const group of groups) {
    for (let step = 0; step < count; step++) {
      for (const member of group.members) {
        if (member.present[step] !== 1) continue
        const text = formatFloat(member.values[step] ?? 0)
        const labels = { ...group.labels, [label]: text }
        const key = labelsKey(labels)
        let series = outputs.get(key)
        if (series === undefined) {
          series = emptyStepSeries(labels, count)
          outputs.set(key, series)
        }
        series.values[step] = (series.present[step] === 1 ? (series.values[step] ?? 0) : 0) + 1
        series.present[step] = 1
      }
    }
  }
  return { kind: 'vector', series: [...outputs.values()] }
}

function warnQuantileRange(node: AggregateExpr, levels: Float64Array, context: EvalContext): void {
  for (const level of levels) {
    if (Number.isNaN(level) || level < 0 || level > 1) {
      context.annotations.warn(
        `quantile value should be between 0 and 1, got ${formatFloat(level)}`,
        node.param?.range ?? node.range,
      )
      return
    }
  }
}
