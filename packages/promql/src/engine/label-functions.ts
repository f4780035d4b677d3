/**
 * label_replace and label_join: they rewrite each series' labels once, not per step.
 */
import { METRIC_NAME } from '../model/series.js'
import type { Labels } from '../model/series.js'
import { compilePromqlRegex } from '../parser/regex.js'
import type { PromqlRegex } from '../parser/regex.js'
import { PromqlExecutionError } from './errors.js'
import type { StepSeries, VectorValue } from './values.js'

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function checkLabelName(name: string): void {
  if (!LABEL_NAME.test(name)) {
    throw new PromqlExecutionError('bad_data', `invalid label name ${goQuote(name)}`)
  }
}

/**
 * `label_replace(v, dst, replacement, src, regex)`: where `regex` matches the whole of
 * `src`, sets `dst` to `replacement` with `$1`-style references expanded.
 */
export function labelReplace(
  input: VectorValue,
  destination: string,
  replacement: string,
  source: string,
  pattern: string,
): VectorValue {
  let regex: PromqlRegex
  try {
    regex = compilePromqlRegex(pattern)
  } catch {
    throw new PromqlExecutionError(
      'bad_data',
      `invalid regular expression in label_replace(): ${pattern}`,
    )
  }
  checkLabelName(destination)

  return relabel(input, destination, (labels) => {
    const match = regex.exec(labels[source] ?? '')
    if (match === null) return undefined
    return expandTemplate(replacement, match)
  })
}

/** `label_join(v, dst, separator, src...)`: joins the source values into `dst`. */
export function labelJoin(
  input: VectorValue,
  destination: string,
  separator: string,
  sources: readonly string[],
): VectorValue {
  checkLabelName(destination)
  for (const source of sources) checkLabelName(source)
  return relabel(input, destination, (labels) =>
    sources.map((source) => labels[source] ?? '').join(separator),
  )
}

function relabel(
  input: VectorValue,
  destination: string,
  valueFor: (labels: Labels) => string | undefined,
): VectorValue {
  const series: StepSeries[] = input.series.map((item) => {
    const value = valueFor(item.labels)
    if (value === undefined) return item

    const labels: Record<string, string> = { ...item.labels }
    if (value === '') delete labels[destination]
    else labels[destination] = value
    const dropName = destination === METRIC_NAME ? false : item.dropName
    return { ...item, labels, dropName }
  })
  return { kind: 'vector', series }
}

/** Expands `$1`, `${1}`, `$name` and `${name}` as Go's Regexp.Expand does; `$$` is `$`. */
function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g,
    (whole, _all, braced?: string, bare?: string) => {
      if (whole === '$$') return '$'
      const name = braced ?? bare ?? ''
      if (/^\d+$/.test(name)) return match[Number(name)] ?? ''
      return match.groups?.[name] ?? ''
    },
  )
}

/** Quotes like Go's %q: printable ASCII kept, other bytes as \x escapes of UTF-8. */
function goQuote(text: string): string {
  let out = '"'
  for (const byte of new TextEncoder().encode(text)) {
    if (byte === 0x22 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte)
    else out += `\\x${byte.toString(16).padStart(2, '0')}`
  }
  return `${out}"`
}
