/**
 * The series notation of Prometheus test scripts: `metric{label="v"} 1 2+3x4 _ stale`.
 */
import type { Labels } from '../model/series.js'
import { METRIC_NAME } from '../model/series.js'
import { unquoteString } from '../parser/literals.js'

/** One position of a value sequence. */
export type SequenceValue =
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'omitted' }
  | { readonly kind: 'stale' }
  | { readonly kind: 'histogram' }

export interface SeriesLine {
  readonly labels: Labels
  readonly values: readonly SequenceValue[]
}

/** Splits `metric{...} rest` at the end of the label set, honouring quotes. */
export function splitSeries(line: string): { metric: string; rest: string } {
  const text = line.trim()
  let index = 0
  let quote = ''
  let depth = 0
  for (; index < text.length; index++) {
    const char = text[index] ?? ''
    if (quote !== '') {
      if (char === '\\') index++
      else if (char === quote) quote = ''
      continue
    }
    if (char === '"' || char === "'" || char === '`') quote = char
    else if (char === '{') depth++
    else if (char === '}') {
      depth--
      if (depth === 0) {
        index++
        break
      }
    } else if (depth === 0 && /\s/.test(char)) break
  }
  return { metric: text.slice(0, index), rest: text.slice(index).trim() }
}

/** Parses `name{a="1", b='2'}` (name optional, `__name__` allowed) into labels. */
export function parseMetric(metric: string): Labels {
  const brace = metric.indexOf('{')
  const labels: Record<string, string> = {}
  const name = (brace < 0 ? metric : metric.slice(0, brace)).trim()
  if (name !== '') labels[METRIC_NAME] = name
  if (brace < 0) return labels

  const body = metric.slice(brace + 1, metric.lastIndexOf('}'))
  const quoted = String.raw`"(?:[^"\\]|\\.)*"`
  const value = String.raw`(${quoted}|'(?:[^'\\]|\\.)*'|${'`'}[^${'`'}]*${'`'})`
  const pair = new RegExp(
    String.raw`\s*(${quoted}|[a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*${value}\s*,?`,
    'y',
  )
  let position = 0
  while (position < body.length) {
    if (body.slice(position).trim() === '') break
    pair.lastIndex = position
    const match = pair.exec(body)
    if (match === null) {
      // A bare quoted name, `{"metric.name"}`.
      const bare = /\s*("(?:[^"\\]|\\.)*")\s*,?/y
      bare.lastIndex = position
      const named = bare.exec(body)
      if (named === null) throw new Error(`cannot parse labels in ${metric}`)
      labels[METRIC_NAME] = unquoteString(named[1] ?? '""')
      position = bare.lastIndex
      continue
    }
    const key = match[1] ?? ''
    labels[key.startsWith('"') ? unquoteString(key) : key] = unquoteString(match[2] ?? '""')
    position = pair.lastIndex
  }
  return labels
}

const NUMBER = String.raw`[-+]?(?:inf|nan|0x[0-9a-f]+|(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?)`
const EXPANDING = new RegExp(`^(${NUMBER})(?:([-+])(${NUMBER}))?x(\\d+)$`, 'i')

/** Parses the value sequence after a series (or an expected result). */
export function parseSequence(text: string): SequenceValue[] {
  const out: SequenceValue[] = []
  const tokens = tokenize(text)
  for (const token of tokens) {
    if (token.includes('{{')) {
      // Native histogram samples are not loaded; they only keep their positions.
      const repeat = /}}x(\d+)$/.exec(token)
      const copies = repeat === null ? 1 : Number(repeat[1]) + 1
      for (let index = 0; index < copies; index++) out.push({ kind: 'histogram' })
      continue
    }
    if (token === '_') {
      out.push({ kind: 'omitted' })
      continue
    }
    const omittedRun = /^_x(\d+)$/.exec(token)
    if (omittedRun !== null) {
      for (let index = 0; index < Number(omittedRun[1]); index++) out.push({ kind: 'omitted' })
      continue
    }
    if (token === 'stale') {
      out.push({ kind: 'stale' })
      continue
    }
    const expanding = EXPANDING.exec(token)
    if (expanding !== null) {
      const start = parseValue(expanding[1] ?? '')
      const sign = expanding[2] === '-' ? -1 : 1
      const delta = expanding[3] === undefined ? 0 : sign * parseValue(expanding[3])
      const times = Number(expanding[4])
      for (let index = 0; index <= times; index++) {
        out.push({ kind: 'value', value: start + delta * index })
      }
      continue
    }
    const value = parseValue(token)
    if (Number.isNaN(value) && !/nan/i.test(token)) throw new Error(`bad value "${token}"`)
    out.push({ kind: 'value', value })
  }
  return out
}

function parseValue(text: string): number {
  const lower = text.toLowerCase().replace(/^\+/, '')
  if (lower === 'inf') return Infinity
  if (lower === '-inf') return -Infinity
  if (lower === 'nan' || lower === '-nan') return NaN
  if (/^-?0x/.test(lower))
    return (lower.startsWith('-') ? -1 : 1) * parseInt(lower.replace(/^-?0x/, ''), 16)
  return Number(lower)
}

/** Splits on whitespace, keeping `{{ ... }}` histogram literals (and `+`, `x3` forms) whole. */
function tokenize(text: string): string[] {
  const tokens: string[] = []
  let index = 0
  while (index < text.length) {
    while (index < text.length && /\s/.test(text[index] ?? '')) index++
    if (index >= text.length) break
    let stop = index
    while (stop < text.length && !/\s/.test(text[stop] ?? '')) {
      if (text.startsWith('{{', stop)) {
        const end = text.indexOf('}}', stop)
        stop = end < 0 ? text.length : end + 2
      } else {
        stop++
      }
    }
    tokens.push(text.slice(index, stop))
    index = stop
  }
  return tokens
}
