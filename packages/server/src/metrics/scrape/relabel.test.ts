import { describe, expect, it } from 'vitest'
import { metricsConfigSchema } from '../config.js'
import { compileRelabels, relabel } from './relabel.js'

function rules(configs: unknown[]) {
  const parsed = metricsConfigSchema.parse({
    scrape_configs: [{ job_name: 'j', metric_relabel_configs: configs }],
  })
  return compileRelabels(parsed.scrape_configs[0]?.metric_relabel_configs ?? [])
}

const series = { __name__: 'http_requests_total', code: '500', path: '/api/v1/users', env: 'prod' }

describe('relabel', () => {
  const cases = [
    {
      name: 'keep on a match',
      configs: [{ action: 'keep', source_labels: ['code'], regex: '5..' }],
      expected: series,
    },
    {
      name: 'keep drops a non-match (anchored)',
      configs: [{ action: 'keep', source_labels: ['code'], regex: '5' }],
      expected: undefined,
    },
    {
      name: 'drop on a joined source',
      configs: [{ action: 'drop', source_labels: ['__name__', 'code'], regex: 'http_.*;500' }],
      expected: undefined,
    },
    {
      name: 'replace with a capture group',
      configs: [{ source_labels: ['path'], regex: '/api/(v\\d)/.*', target_label: 'version' }],
      expected: { ...series, version: 'v1' },
    },
    {
      name: 'replace with an empty result deletes the label',
      configs: [{ source_labels: ['nope'], regex: '', target_label: 'env', replacement: '' }],
      expected: { __name__: 'http_requests_total', code: '500', path: '/api/v1/users' },
    },
    {
      name: 'replace without a match changes nothing',
      configs: [{ source_labels: ['code'], regex: '2..', target_label: 'ok', replacement: 'yes' }],
      expected: series,
    },
    {
      name: 'keep with RE2 syntax: a case-insensitive flag group',
      configs: [{ action: 'keep', source_labels: ['__name__'], regex: '(?i)HTTP_.*' }],
      expected: series,
    },
    {
      name: 'labeldrop',
      configs: [{ action: 'labeldrop', regex: 'env|path' }],
      expected: { __name__: 'http_requests_total', code: '500' },
    },
    {
      name: 'labelkeep',
      configs: [{ action: 'labelkeep', regex: '__name__|code' }],
      expected: { __name__: 'http_requests_total', code: '500' },
    },
  ]

  it.each(cases)('$name', ({ configs, expected }) => {
    expect(relabel(series, rules(configs))).toEqual(expected)
  })

  it('rejects a replace rule without target_label and a bad regex', () => {
    const result = metricsConfigSchema.safeParse({
      scrape_configs: [
        { job_name: 'j', metric_relabel_configs: [{ source_labels: ['a'], regex: '(' }] },
      ],
    })
    expect(result.success).toBe(false)
    const messages = result.error?.issues.map((issue) => issue.message)
    expect(messages).toEqual(
      expect.arrayContaining(['replace needs target_label', 'is not a valid regex']),
    )
  })
})
