import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { describe, expect, it } from 'vitest'

import type { ExpositionErrorCode } from './exposition-error.js'
import { ExpositionError } from './exposition-error.js'
import { ExpositionParser } from './exposition-parser.js'
import type { ExpositionFormat } from './metric-metadata.js'
import { parseExposition } from './parse-exposition.js'

const TESTDATA = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../../shared/testdata/expfmt',
)

describe('shared exposition samples', () => {
  // Counts are the non-comment lines of each file; the spot checks were read off the files.
  const files: {
    file: string
    format: ExpositionFormat
    samples: number
    families: number
    spot: { index: number; labels: Record<string, string>; value: number }
  }[] = [
    {
      file: 'alltypes.237mfs.prom.txt',
      format: 'prometheus',
      samples: 1857,
      families: 237,
      spot: {
        index: 0,
        labels: { __name__: 'go_gc_cycles_automatic_gc_cycles_total' },
        value: 190932,
      },
    },
    {
      file: 'metrics-test.prom',
      format: 'prometheus',
      samples: 27,
      families: 4,
      spot: {
        index: 6,
        labels: { __name__: 'go_gc_duration_seconds_count' },
        value: 232,
      },
    },
    {
      file: 'alltypes.5mfs.om.txt',
      format: 'openmetrics',
      samples: 53,
      families: 5,
      spot: {
        index: 12,
        labels: {
          __name__: 'rpc_durations_histogram_seconds_bucket',
          le: '-0.0002899999999999998',
        },
        value: 3,
      },
    },
    {
      file: '1histogram.om.txt',
      format: 'openmetrics',
      samples: 42,
      families: 1,
      spot: {
        index: 12,
        labels: {
          __name__: 'golang_manual_histogram_seconds_sum',
          address: '0.0.0.0',
          generation: '20',
          port: '5001',
        },
        value: 10,
      },
    },
  ]

  it.each(files)('parses $file', ({ file, format, samples, families, spot }) => {
    const parsed = parseExposition(readFileSync(join(TESTDATA, file), 'utf8'), format)

    expect(parsed.samples).toHaveLength(samples)
    expect(parsed.metadata.size).toBe(families)
    expect(parsed.samples[spot.index]).toEqual({ labels: spot.labels, value: spot.value })
  })

  it('reads metadata and _created series from OpenMetrics', () => {
    const text = readFileSync(join(TESTDATA, 'alltypes.5mfs.om.txt'), 'utf8')

    const parsed = parseExposition(text, 'openmetrics')

    expect(parsed.metadata.get('rpc_requests')).toEqual({
      type: 'counter',
      help: 'Total number of RPC requests received.',
      unit: '',
    })
    expect(parsed.samples[4]).toEqual({
      labels: { __name__: 'promhttp_metric_handler_errors_created', cause: 'gathering' },
      value: 1.726839813016395e9,
    })
  })
})

describe('valid lines', () => {
  const cases: {
    name: string
    format?: ExpositionFormat
    text: string
    want: { labels: Record<string, string>; value: number; timestampMs?: number }[]
  }[] = [
    { name: 'bare metric', text: 'up 1\n', want: [{ labels: { __name__: 'up' }, value: 1 }] },
    {
      name: 'labels, trailing comma and blanks',
      text: 'x { a = "1" , b="2", } 3\n',
      want: [{ labels: { __name__: 'x', a: '1', b: '2' }, value: 3 }],
    },
    {
      name: 'escapes in label values',
      text: 'x{a="q\\"b\\\\s\\nn",b="}{,"} 1\n',
      want: [{ labels: { __name__: 'x', a: 'q"b\\s\nn', b: '}{,' }, value: 1 }],
    },
    {
      name: 'other escapes kept with their backslash, as Prometheus does',
      text: 'x{a="\\xff\\t\\d"} 1\n',
      want: [{ labels: { __name__: 'x', a: '\\xff\\t\\d' }, value: 1 }],
    },
    {
      name: 'other escapes in OpenMetrics label values',
      format: 'openmetrics',
      text: 'x{a="\\xff"} 1\n# EOF\n',
      want: [{ labels: { __name__: 'x', a: '\\xff' }, value: 1 }],
    },
    {
      name: 'special values',
      text: 'a NaN\nb +Inf\nc -Inf\nd -0\ne 1e-3\nf .5\n',
      want: [
        { labels: { __name__: 'a' }, value: NaN },
        { labels: { __name__: 'b' }, value: Infinity },
        { labels: { __name__: 'c' }, value: -Infinity },
        { labels: { __name__: 'd' }, value: -0 },
        { labels: { __name__: 'e' }, value: 0.001 },
        { labels: { __name__: 'f' }, value: 0.5 },
      ],
    },
    {
      name: 'millisecond timestamps, negative too',
      text: 'a 1 1700000000123\nb 2 -5\n',
      want: [
        { labels: { __name__: 'a' }, value: 1, timestampMs: 1_700_000_000_123 },
        { labels: { __name__: 'b' }, value: 2, timestampMs: -5 },
      ],
    },
    {
      name: 'comments, blank lines, CRLF and leading blanks',
      text: '# just a comment\n\n  a 1\r\n#TYPE a gauge\n',
      want: [{ labels: { __name__: 'a' }, value: 1 }],
    },
    {
      name: 'colons in metric names',
      text: 'job:rate:5m{job="x"} 2\n',
      want: [{ labels: { __name__: 'job:rate:5m', job: 'x' }, value: 2 }],
    },
    {
      name: 'OpenMetrics second timestamps and exemplars',
      format: 'openmetrics',
      text: 'a_total 1 1700000000.5 # {trace_id="abc"} 0.5 1700000000.1\nb 2 # {} 1\n# EOF\n',
      want: [
        { labels: { __name__: 'a_total' }, value: 1, timestampMs: 1_700_000_000_500 },
        { labels: { __name__: 'b' }, value: 2 },
      ],
    },
  ]

  it.each(cases)('parses $name', ({ text, format, want }) => {
    const { samples } = parseExposition(text, format ?? 'prometheus')

    expect(samples).toEqual(want)
  })

  it('unescapes HELP and records TYPE and UNIT', () => {
    const text = [
      '# HELP a_seconds Line one\\nwith \\\\ and \\"quotes\\"',
      '# TYPE a_seconds gauge',
      '# UNIT a_seconds seconds',
      'a_seconds 1',
      '# EOF',
    ].join('\n')

    const { metadata } = parseExposition(text, 'openmetrics')

    expect(metadata.get('a_seconds')).toEqual({
      type: 'gauge',
      help: 'Line one\nwith \\ and "quotes"',
      unit: 'seconds',
    })
  })
})

describe('malformed lines', () => {
  const cases: {
    name: string
    format?: ExpositionFormat
    text: string
    code: ExpositionErrorCode
    message: string
  }[] = [
    {
      name: 'missing value',
      text: 'a 1\nup\n',
      code: 'missing_value',
      message: 'line 2: missing value',
    },
    {
      name: 'missing value after labels',
      text: 'up{a="b"}  \n',
      code: 'missing_value',
      message: 'line 1: missing value',
    },
    {
      name: 'bad value',
      text: 'up one\n',
      code: 'invalid_value',
      message: 'line 1: invalid value "one"',
    },
    {
      name: 'hex value',
      text: 'up 0x1f\n',
      code: 'invalid_value',
      message: 'line 1: invalid value "0x1f"',
    },
    {
      name: 'bad timestamp',
      text: 'up 1 12.5\n',
      code: 'invalid_timestamp',
      message: 'line 1: invalid timestamp "12.5"',
    },
    {
      name: 'text after timestamp',
      text: 'up 1 2 3\n',
      code: 'unexpected_content',
      message: 'line 1: unexpected text after the value',
    },
    {
      name: 'backslash ending a line inside a label value',
      text: 'up{a="\\',
      code: 'invalid_escape',
      message: 'line 1: invalid escape sequence end of line',
    },
    {
      name: 'unterminated label value',
      text: 'up{a="b} 1\n',
      code: 'unterminated_label_value',
      message: 'line 1: label value is not terminated',
    },
    {
      name: 'unclosed label set',
      text: 'up{a="b" 1\n',
      code: 'invalid_label_set',
      message: 'line 1: expected "," or "}" after a label',
    },
    {
      name: 'unquoted label value',
      text: 'up{a=b} 1\n',
      code: 'invalid_label_set',
      message: 'line 1: expected a quoted value for "a"',
    },
    {
      name: 'bad label name',
      text: 'up{1a="b"} 1\n',
      code: 'invalid_label_name',
      message: 'line 1: expected a label name',
    },
    {
      name: 'label without equals',
      text: 'up{a "b"} 1\n',
      code: 'invalid_label_name',
      message: 'line 1: expected "=" after label "a"',
    },
    {
      name: 'duplicate label',
      text: 'up{a="1",a="2"} 1\n',
      code: 'duplicate_label',
      message: 'line 1: label "a" appears twice',
    },
    {
      name: 'metric name starting with a digit',
      text: '1up 1\n',
      code: 'invalid_metric_name',
      message: 'line 1: expected a metric name',
    },
    {
      name: 'invalid character in metric name',
      text: 'up.time 1\n',
      code: 'invalid_metric_name',
      message: 'line 1: invalid character in metric name',
    },
    {
      name: 'labels without a name',
      text: '{a="b"} 1\n',
      code: 'invalid_metric_name',
      message: 'line 1: expected a metric name',
    },
    {
      name: 'duplicate TYPE',
      text: '# TYPE a gauge\n# TYPE a counter\n',
      code: 'duplicate_type',
      message: 'line 2: second TYPE line for "a"',
    },
    {
      name: 'unknown TYPE',
      text: '# TYPE a gaugez\n',
      code: 'invalid_type',
      message: 'line 1: unknown metric type "gaugez"',
    },
    {
      name: 'duplicate HELP',
      text: '# HELP a x\n# HELP a y\n',
      code: 'duplicate_help',
      message: 'line 2: second HELP line for "a"',
    },
    {
      name: 'backslash ending a HELP line',
      text: '# HELP a tab\\\n',
      code: 'invalid_escape',
      message: 'line 1: invalid escape sequence end of line in HELP',
    },
    {
      name: 'bad name in TYPE',
      text: '# TYPE a-b gauge\n',
      code: 'invalid_metric_name',
      message: 'line 1: invalid metric name in TYPE',
    },
    {
      name: 'OpenMetrics without EOF',
      format: 'openmetrics',
      text: 'a 1\n',
      code: 'missing_eof',
      message: 'line 1: OpenMetrics text must end with "# EOF"',
    },
    {
      name: 'content after EOF',
      format: 'openmetrics',
      text: '# EOF\na 1\n',
      code: 'content_after_eof',
      message: 'line 2: content after "# EOF"',
    },
    {
      name: 'OpenMetrics free comment',
      format: 'openmetrics',
      text: '# hello\n# EOF\n',
      code: 'invalid_comment',
      message: 'line 1: invalid comment line',
    },
    {
      name: 'OpenMetrics double space',
      format: 'openmetrics',
      text: 'a  1\n# EOF\n',
      code: 'unexpected_content',
      message: 'line 1: tokens must be separated by one space',
    },
    {
      name: 'OpenMetrics bad timestamp',
      format: 'openmetrics',
      text: 'a 1 soon\n# EOF\n',
      code: 'invalid_timestamp',
      message: 'line 1: invalid timestamp "soon"',
    },
    {
      name: 'OpenMetrics unit not a suffix',
      format: 'openmetrics',
      text: '# UNIT a_bytes seconds\n# EOF\n',
      code: 'invalid_unit',
      message: 'line 1: unit "seconds" is not a suffix of "a_bytes"',
    },
    {
      name: 'OpenMetrics untyped',
      format: 'openmetrics',
      text: '# TYPE a untyped\n# EOF\n',
      code: 'invalid_type',
      message: 'line 1: unknown metric type "untyped"',
    },
  ]

  it.each(cases)('rejects $name', ({ text, format, code, message }) => {
    const result = new ExpositionParser().parse(text, format ?? 'prometheus')

    expect(result.ok).toBe(false)
    if (result.ok) return
    expect(result.error).toBeInstanceOf(ExpositionError)
    expect(result.error.code).toBe(code)
    expect(result.error.message).toBe(message)
  })
})

describe('series cache', () => {
  it('parses each series text once and keeps the caller ref across scrapes', () => {
    const parser = new ExpositionParser()
    const first = parser.parse('a{x="1"} 1\nb 2\n', 'prometheus')
    if (!first.ok) throw first.error
    const entry = first.scrape.series[0]!
    entry.ref = 42

    const second = parser.parse('a{x="1"} 5\nb 6\n', 'prometheus')
    if (!second.ok) throw second.error

    expect(second.scrape.series[0]).toBe(entry)
    expect(second.scrape.series[0]!.ref).toBe(42)
    expect(Array.from(second.scrape.values.subarray(0, 2))).toEqual([5, 6])
    expect(parser.cacheSize).toBe(2)
  })

  it.each([
    { name: 'blank before the brace', first: 'x 5\n', second: 'x {a="b"} 1\n' },
    { name: 'brace inside a value', first: 'x{a="}"} 5\n', second: 'x{a="}"} 1\nx{a="}x"} 2\n' },
    { name: 'space inside a value', first: 'x{a="p q"} 5\n', second: 'x{a="p"} 0\nx{a="p q"} 1\n' },
    {
      name: 'changed order',
      first: 'x{a="1"} 5\nx{a="2"} 6\n',
      second: 'x{a="2"} 1\nx{a="1"} 2\n',
    },
    { name: 'longer text with the same start', first: 'x 5\n', second: 'x 1\nx_total 2\n' },
  ])('reads the same labels as a fresh parser after a scrape with $name', ({ first, second }) => {
    const warm = new ExpositionParser()
    warm.parse(first, 'prometheus')

    const warmResult = warm.parse(second, 'prometheus')
    const coldResult = new ExpositionParser().parse(second, 'prometheus')

    if (!warmResult.ok || !coldResult.ok) throw new Error('parse failed')
    const labelsOf = (result: typeof warmResult) =>
      result.scrape.series.slice(0, result.scrape.sampleCount).map((s) => s.labels)
    expect(labelsOf(warmResult)).toEqual(labelsOf(coldResult))
    expect(warmResult.scrape.values.subarray(0, 2)).toEqual(coldResult.scrape.values.subarray(0, 2))
  })

  it('reports series that disappeared since the previous scrape', () => {
    const parser = new ExpositionParser()
    parser.parse('a 1\nb 2\nc 3\n', 'prometheus')
    parser.parse('a 1\nb ?\n', 'prometheus')

    parser.parse('a 1\n', 'prometheus')

    expect(
      parser
        .disappeared()
        .map((s) => s.labels.__name__)
        .sort(),
    ).toEqual(['b', 'c'])
  })

  it('evicts series unseen for two scrapes once over its soft limit', () => {
    const parser = new ExpositionParser({ cacheSoftLimit: 2 })
    parser.parse('a 1\nb 1\nc 1\n', 'prometheus')
    parser.parse('d 1\n', 'prometheus')
    parser.parse('d 1\n', 'prometheus')

    expect(parser.cacheSize).toBe(1)
  })
})
