/**
 * The functions Prometheus offers rule templates (humanize and friends) and Go's builtins.
 */
import { formatGoFloatG, formatGoValue, sprintf } from './go-format.js'
import { TemplateError } from './syntax.js'
import { regexMatches, regexReplaceAll } from './template-regex.js'

/** One sample of a `query` result, as templates see it. */
export interface TemplateSample {
  readonly Labels: Readonly<Record<string, string>>
  readonly Value: number
}

export type TemplateFunction = (...args: unknown[]) => unknown

function toFloat(value: unknown): number {
  if (typeof value === 'number') return value
  if (typeof value === 'string') {
    const number = Number(value.trim())
    if (value.trim() === '' || Number.isNaN(number)) {
      if (/^[-+]?nan$/i.test(value.trim())) return NaN
      if (/^[-+]?inf(inity)?$/i.test(value.trim()))
        return value.startsWith('-') ? -Infinity : Infinity
      throw new TemplateError(`cannot convert "${value}" to a number`)
    }
    return number
  }
  if (typeof value === 'boolean') return value ? 1 : 0
  throw new TemplateError(`cannot convert ${formatGoValue(value)} to a number`)
}

const largePrefixes = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']
const smallPrefixes = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']

function scaleDown(value: number, suffix = ''): string {
  let scaled = value
  let prefix = ''
  for (const candidate of smallPrefixes) {
    if (Math.abs(scaled) >= 1) break
    prefix = candidate
    scaled *= 1000
  }
  return `${formatGoFloatG(scaled, 4)}${prefix}${suffix}`
}

/** 1234 → 1.234k, 0.0012 → 1.2m. */
export function humanize(input: unknown): string {
  const value = toFloat(input)
  if (value === 0 || !Number.isFinite(value)) return formatGoFloatG(value, 4)
  if (Math.abs(value) < 1) return scaleDown(value)
  let scaled = value
  let prefix = ''
  for (const candidate of largePrefixes) {
    if (Math.abs(scaled) < 1000) break
    prefix = candidate
    scaled /= 1000
  }
  return `${formatGoFloatG(scaled, 4)}${prefix}`
}

/** 1024 → 1ki, in powers of 1024. */
export function humanize1024(input: unknown): string {
  const value = toFloat(input)
  if (Math.abs(value) <= 1 || !Number.isFinite(value)) return formatGoFloatG(value, 4)
  let scaled = value
  let prefix = ''
  for (const candidate of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(scaled) < 1024) break
    prefix = candidate
    scaled /= 1024
  }
  return `${formatGoFloatG(scaled, 4)}${prefix}`
}

/** Seconds as `1d 2h 3m 4s`, or `1.5s`, `12ms` below a second. */
export function humanizeDuration(input: unknown): string {
  const value = toFloat(input)
  if (!Number.isFinite(value)) return formatGoFloatG(value, 4)
  if (value === 0) return `${formatGoFloatG(value, 4)}s`
  if (Math.abs(value) < 1) return scaleDown(value, 's')
  const sign = value < 0 ? '-' : ''
  const whole = Math.trunc(Math.abs(value))
  const seconds = whole % 60
  const minutes = Math.trunc(whole / 60) % 60
  const hours = Math.trunc(whole / 3600) % 24
  const days = Math.trunc(whole / 86_400)
  if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`
  if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`
  if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`
  return `${sign}${formatGoFloatG(Math.abs(value), 4)}s`
}

export function humanizePercentage(input: unknown): string {
  return `${formatGoFloatG(toFloat(input) * 100, 4)}%`
}

/** Unix seconds as `2006-01-02 15:04:05.999 +0000 UTC`. */
export function humanizeTimestamp(input: unknown): string {
  const value = toFloat(input)
  if (!Number.isFinite(value)) return formatGoFloatG(value, 4)
  const iso = new Date(value * 1000).toISOString()
  const fraction = iso.slice(20, 23).replace(/0+$/, '')
  const seconds = fraction === '' ? iso.slice(11, 19) : `${iso.slice(11, 19)}.${fraction}`
  return `${iso.slice(0, 10)} ${seconds} +0000 UTC`
}

function truthy(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false
  if (value === 0 || value === '') return false
  if (Array.isArray(value)) return value.length > 0
  if (typeof value === 'object') return Object.keys(value).length > 0
  return true
}

export { truthy }

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  return toFloat(a) - toFloat(b)
}

function first(value: unknown): unknown {
  if (!Array.isArray(value) || value.length === 0) {
    throw new TemplateError('first() called on vector with no elements')
  }
  return value[0] as unknown
}

/**
 * The callable functions. `query` is given by the caller (it needs the engine); without one,
 * templates that call it fail at execution, not at parse.
 */
export function templateFunctions(
  query?: (text: string) => TemplateSample[],
): Record<string, TemplateFunction> {
  return {
    humanize,
    humanize1024,
    humanizeDuration,
    humanizePercentage,
    humanizeTimestamp,
    printf: (format, ...args) => sprintf(String(format), args),
    print: (...args) => args.map(formatGoValue).join(''),
    println: (...args) => `${args.map(formatGoValue).join(' ')}\n`,
    toUpper: (text) => String(text).toUpperCase(),
    toLower: (text) => String(text).toLowerCase(),
    title: (text) => String(text).replace(/\b\p{L}/gu, (letter) => letter.toUpperCase()),
    match: (pattern, text) => regexMatches(String(pattern), String(text)),
    reReplaceAll: (pattern, replacement, text) =>
      regexReplaceAll(String(pattern), String(replacement), String(text)),
    stripPort: (host) =>
      String(host)
        .replace(/:\d+$/, '')
        .replace(/^\[(.*)\]$/, '$1'),
    stripDomain: (host) => String(host).replace(/^([^.:]+)[^:]*/, '$1'),
    safeHtml: (text) => String(text),
    toTime: (value) => new Date(toFloat(value) * 1000),
    toDuration: (value) => toFloat(value),
    parseDuration: (value) => value,
    args: (...values) => Object.fromEntries(values.map((value, index) => [`arg${index}`, value])),
    first,
    label: (name, sample) => (sample as TemplateSample | undefined)?.Labels[String(name)] ?? '',
    value: (sample) => (sample as TemplateSample | undefined)?.Value,
    strvalue: (sample) => (sample as TemplateSample | undefined)?.Labels.__value__ ?? '',
    sortByLabel: (name, samples) =>
      [...(samples as TemplateSample[])].sort((a, b) =>
        compare(a.Labels[String(name)] ?? '', b.Labels[String(name)] ?? ''),
      ),
    query: (text) => {
      if (query === undefined) throw new TemplateError('query is not available here')
      return query(String(text))
    },
    eq: (a, ...others) => others.some((other) => compare(a, other) === 0),
    ne: (a, b) => compare(a, b) !== 0,
    lt: (a, b) => compare(a, b) < 0,
    le: (a, b) => compare(a, b) <= 0,
    gt: (a, b) => compare(a, b) > 0,
    ge: (a, b) => compare(a, b) >= 0,
    and: (...values) => values.find((value) => !truthy(value)) ?? values[values.length - 1],
    or: (...values) => values.find((value) => truthy(value)) ?? values[values.length - 1],
    not: (value) => !truthy(value),
    len: (value) =>
      typeof value === 'string' || Array.isArray(value)
        ? value.length
        : Object.keys(value as object).length,
    index: (collection, ...keys) =>
      keys.reduce<unknown>(
        (current, key) => (current as Record<string, unknown> | undefined)?.[String(key)],
        collection,
      ),
    urlquery: (...values) => encodeURIComponent(values.map(formatGoValue).join('')),
  }
}

/** The names callable in a rule template, for parse-time checks. */
export const templateFunctionNames: ReadonlySet<string> = new Set(Object.keys(templateFunctions()))
