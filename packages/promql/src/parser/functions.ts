/**
 * The signatures of PromQL's functions, used to type-check calls.
 */
import type { ValueType } from './ast.js'

/** The argument and result types of a function, as the type checker needs them. */
export interface FunctionSignature {
  readonly argTypes: readonly ValueType[]
  /**
   * How many trailing arguments may be left out (0: all required), or -1 when the last
   * argument type repeats without bound.
   */
  readonly variadic: number
  readonly returnType: ValueType
  /** Behind a Prometheus feature flag; accepted here but noted for the corpus runner. */
  readonly experimental?: boolean
}

const vectorMath = { argTypes: ['vector'], variadic: 0, returnType: 'vector' } as const
const overTime = { argTypes: ['matrix'], variadic: 0, returnType: 'vector' } as const
const dateFunction = { argTypes: ['vector'], variadic: 1, returnType: 'vector' } as const

const MATH_FUNCTIONS = [
  'abs', 'ceil', 'floor', 'exp', 'sqrt', 'ln', 'log2', 'log10', 'sgn', 'deg', 'rad',
  'acos', 'acosh', 'asin', 'asinh', 'atan', 'atanh', 'cos', 'cosh', 'sin', 'sinh', 'tan',
  'tanh', 'absent', 'sort', 'sort_desc', 'timestamp', 'histogram_count', 'histogram_sum',
  'histogram_avg', 'histogram_stddev', 'histogram_stdvar',
] // prettier-ignore

const RANGE_FUNCTIONS = [
  'avg_over_time', 'min_over_time', 'max_over_time', 'sum_over_time', 'count_over_time',
  'stddev_over_time', 'stdvar_over_time', 'last_over_time', 'first_over_time',
  'present_over_time', 'mad_over_time', 'absent_over_time', 'rate', 'irate', 'increase',
  'delta', 'idelta', 'deriv', 'resets', 'changes', 'ts_of_max_over_time',
  'ts_of_min_over_time', 'ts_of_last_over_time', 'ts_of_first_over_time',
] // prettier-ignore

const DATE_FUNCTIONS = [
  'day_of_month', 'day_of_week', 'day_of_year', 'days_in_month', 'hour', 'minute', 'month',
  'year',
] // prettier-ignore

const table = new Map<string, FunctionSignature>()
for (const name of MATH_FUNCTIONS) table.set(name, vectorMath)
for (const name of RANGE_FUNCTIONS) table.set(name, overTime)
for (const name of DATE_FUNCTIONS) table.set(name, dateFunction)

const EXPERIMENTAL = new Set([
  'mad_over_time', 'first_over_time', 'ts_of_max_over_time', 'ts_of_min_over_time',
  'ts_of_last_over_time', 'ts_of_first_over_time', 'sort_by_label', 'sort_by_label_desc',
  'info', 'double_exponential_smoothing', 'histogram_quantiles', 'start', 'end', 'range', 'step',
  'min_of', 'max_of',
]) // prettier-ignore

const special: Record<string, FunctionSignature> = {
  round: { argTypes: ['vector', 'scalar'], variadic: 1, returnType: 'vector' },
  clamp: { argTypes: ['vector', 'scalar', 'scalar'], variadic: 0, returnType: 'vector' },
  clamp_max: { argTypes: ['vector', 'scalar'], variadic: 0, returnType: 'vector' },
  clamp_min: { argTypes: ['vector', 'scalar'], variadic: 0, returnType: 'vector' },
  quantile_over_time: { argTypes: ['scalar', 'matrix'], variadic: 0, returnType: 'vector' },
  predict_linear: { argTypes: ['matrix', 'scalar'], variadic: 0, returnType: 'vector' },
  double_exponential_smoothing: {
    argTypes: ['matrix', 'scalar', 'scalar'],
    variadic: 0,
    returnType: 'vector',
  },
  histogram_quantile: { argTypes: ['scalar', 'vector'], variadic: 0, returnType: 'vector' },
  histogram_fraction: {
    argTypes: ['scalar', 'scalar', 'vector'],
    variadic: 0,
    returnType: 'vector',
  },
  label_replace: {
    argTypes: ['vector', 'string', 'string', 'string', 'string'],
    variadic: 0,
    returnType: 'vector',
  },
  label_join: {
    argTypes: ['vector', 'string', 'string', 'string'],
    variadic: -1,
    returnType: 'vector',
  },
  sort_by_label: { argTypes: ['vector', 'string'], variadic: -1, returnType: 'vector' },
  sort_by_label_desc: { argTypes: ['vector', 'string'], variadic: -1, returnType: 'vector' },
  scalar: { argTypes: ['vector'], variadic: 0, returnType: 'scalar' },
  vector: { argTypes: ['scalar'], variadic: 0, returnType: 'vector' },
  time: { argTypes: [], variadic: 0, returnType: 'scalar' },
  pi: { argTypes: [], variadic: 0, returnType: 'scalar' },
  start: { argTypes: [], variadic: 0, returnType: 'scalar' },
  end: { argTypes: [], variadic: 0, returnType: 'scalar' },
  range: { argTypes: [], variadic: 0, returnType: 'scalar' },
  step: { argTypes: [], variadic: 0, returnType: 'scalar' },
  min_of: { argTypes: ['scalar', 'scalar'], variadic: 0, returnType: 'scalar' },
  max_of: { argTypes: ['scalar', 'scalar'], variadic: 0, returnType: 'scalar' },
  info: { argTypes: ['vector', 'vector'], variadic: 1, returnType: 'vector' },
}
for (const [name, signature] of Object.entries(special)) table.set(name, signature)

/** The signature of a function, or undefined when PromQL has no function by that name. */
export function functionSignature(name: string): FunctionSignature | undefined {
  const signature = table.get(name)
  if (signature === undefined) return undefined
  return EXPERIMENTAL.has(name) ? { ...signature, experimental: true } : signature
}
