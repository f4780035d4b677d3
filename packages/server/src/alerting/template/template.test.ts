import { describe, expect, it } from 'vitest'
import { humanize, humanize1024, humanizeDuration, humanizePercentage } from './functions.js'
import { formatGoFloatG, sprintf } from './go-format.js'
import { expandRuleTemplate, parseRuleTemplate, TemplateError } from './index.js'

const data = { labels: { instance: 'db:9100', job: 'node' }, value: 1234567 }

describe('rule templates', () => {
  it.each([
    ['{{ $labels.instance }} down', 'db:9100 down'],
    ['{{ $value }}', '1.234567e+06'],
    ['{{ $value | humanize }}', '1.235M'],
    ['{{ humanize $value }}', '1.235M'],
    ['{{ printf "%.0f" $value }}', '1234567'],
    ['{{ printf "%.2f%%" 12.345 }}', '12.35%'],
    ['{{ $labels }}', 'map[instance:db:9100 job:node]'],
    ['{{ $labels.missing }}!', '!'],
    ['{{ .Labels.job }}/{{ $.Value }}', 'node/1.234567e+06'],
    ['{{ if gt $value 1000.0 }}big{{ else }}small{{ end }}', 'big'],
    ['{{ if eq $labels.job "x" }}x{{ else if eq $labels.job "node" }}n{{ end }}', 'n'],
    ['{{- range $k, $v := $labels }}{{ $k }}={{ $v }};{{ end -}}', 'instance=db:9100;job=node;'],
    ['a  {{- "b" -}}  c', 'abc'],
    ['{{ $x := "y" }}{{ $x | toUpper }}', 'Y'],
    ['{{ with $labels.job }}job {{ . }}{{ end }}', 'job node'],
    ['{{/* a comment */}}ok', 'ok'],
    ['{{ reReplaceAll "(.*):.*" "$1" $labels.instance }}', 'db'],
    ['{{ reReplaceAll "([a-z]+):(\\\\d+)" "${2}-$1 $$" $labels.instance }}', '9100-db $'],
    ['{{ reReplaceAll "o" "0" "foo boo" }}', 'f00 b00'],
    ['{{ reReplaceAll "(o)" "<$1$3>" "fo" }}', 'f<o>'],
    ['{{ reReplaceAll "x*" "-" "ab" }}', '-a-b-'],
    ['{{ if match "^db:" $labels.instance }}db{{ end }}', 'db'],
    ['{{ if match "node$" $labels.job }}yes{{ end }}', 'yes'],
    ['{{ humanizeDuration 3725 }}', '1h 2m 5s'],
  ])('expands %s', (source, expected) => {
    expect(expandRuleTemplate(source, data)).toBe(expected)
  })

  it.each([
    ['{{ $labels.instance ', 'unclosed action'],
    ['{{ nope $value }}', 'function "nope" not defined'],
    ['{{ $undefined }}', 'undefined variable "$undefined"'],
    ['{{ if $value }}open', 'missing {{end}}'],
    ['{{ end }}', 'unexpected {{end}}'],
    ['{{ else }}', 'unexpected {{else}}'],
  ])('rejects %s', (source, reason) => {
    expect(() => parseRuleTemplate(source)).toThrow(TemplateError)
    expect(() => parseRuleTemplate(source)).toThrow(reason)
  })
})

describe('template regexes', () => {
  it('match and reReplaceAll run in linear time on a pathological pattern', () => {
    const long = { labels: { v: `${'a'.repeat(5000)}!` }, value: 0 }
    const source = '{{ if match "(a+)+b" $labels.v }}y{{ else }}n{{ end }}'
    expect(expandRuleTemplate(source, long)).toBe('n')
    const replaced = '{{ reReplaceAll "((a+)+)+b" "x" $labels.v }}'
    expect(expandRuleTemplate(replaced, long)).toBe(long.labels.v)
  })

  it('refuses a pattern RE2 cannot run', () => {
    expect(() => expandRuleTemplate('{{ match "(?=a)" "a" }}', data)).toThrow(/regexp/)
  })
})

describe('Go number formatting', () => {
  it.each([
    [0.5, undefined, '0.5'],
    [100, undefined, '100'],
    [123456, undefined, '123456'],
    [1e6, undefined, '1e+06'],
    [0.0001, undefined, '0.0001'],
    [0.00001, undefined, '1e-05'],
    [1234.5, 4, '1235'],
    [12345, 4, '1.234e+04'],
    [NaN, 4, 'NaN'],
    [Infinity, undefined, '+Inf'],
  ])('%s with precision %s prints %s', (value, precision, text) => {
    expect(formatGoFloatG(value, precision)).toBe(text)
  })

  it('formats like Prometheus humanize functions', () => {
    expect([humanize(0), humanize(1234), humanize(0.0012), humanize(-5e9)]).toEqual([
      '0',
      '1.234k',
      '1.2m',
      '-5G',
    ])
    expect([humanize1024(1024), humanize1024(1536 * 1024)]).toEqual(['1ki', '1.5Mi'])
    expect([humanizeDuration(0), humanizeDuration(90061), humanizeDuration(0.012)]).toEqual([
      '0s',
      '1d 1h 1m 1s',
      '12ms',
    ])
    expect(humanizeDuration(1.5)).toBe('1.5s')
    expect(humanizePercentage(0.1234)).toBe('12.34%')
    expect(sprintf('%5.1f|%-4d|%s|%q', [3.14159, 7, 'x', 'y'])).toBe('  3.1|7   |x|"y"')
  })
})
