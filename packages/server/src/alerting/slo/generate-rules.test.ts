import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parse, stringify } from 'yaml'
import { findTestdata } from '../../test-support/testdata.js'
import { parseRuleFile } from '../rules/parse-rule-file.js'
import type { Rule, RuleGroup } from '../rules/rule-file.js'
import { generateSlothRules } from './generate-rules.js'
import { loadSlothSpecs } from './spec.js'
import { burnRateFactor, defaultAlertWindows, parseAlertWindows } from './windows.js'

const sloth = findTestdata('slo/sloth')

/** What must agree with Sloth: names, expressions up to whitespace, labels and annotations. */
function comparable(groups: RuleGroup[]): unknown[] {
  const ignored = new Set(['cmd', 'sloth_mode', 'sloth_version'])
  const squash = (text: string): string => text.replace(/\s+/g, ' ').trim()
  return groups.map((group) => ({
    name: group.name,
    rules: group.rules.map((rule: Rule) => ({
      kind: rule.kind,
      name: rule.name,
      expr: squash(rule.expr),
      labels: Object.fromEntries(Object.entries(rule.labels).filter(([k]) => !ignored.has(k))),
      annotations:
        rule.kind === 'alert'
          ? Object.fromEntries(Object.entries(rule.annotations).map(([k, v]) => [k, squash(v)]))
          : {},
    })),
  }))
}

describe.skipIf(sloth === undefined)("Sloth's examples", () => {
  const directory = sloth ?? ''

  it.each(['getting-started', 'home-wifi', 'kubernetes-apiserver'])(
    'generates the rules Sloth generated for %s',
    (name) => {
      const specs = loadSlothSpecs(join(directory, `${name}.yml`))
      const generated = stringify({ groups: generateSlothRules(specs) })
      const ours = parseRuleFile(generated, 'generated.yml')
      const theirs = parseRuleFile(
        readFileSync(join(directory, '_gen', `${name}.yml`), 'utf8'),
        name,
      )
      expect(comparable(ours)).toEqual(comparable(theirs))
    },
  )

  it.each(
    sloth === undefined
      ? []
      : readdirSync(directory).filter(
          (file) => /\.ya?ml$/.test(file) && !file.startsWith('openslo'),
        ),
  )('loads %s into valid rule groups', (file) => {
    const specs = loadSlothSpecs(join(directory, file))
    expect(specs.length).toBeGreaterThan(0)
    const groups = parseRuleFile(stringify({ groups: generateSlothRules(specs) }), file)
    expect(groups.length).toBeGreaterThanOrEqual(2)
  })

  it('omits the alert group when both alerts are disabled', () => {
    const groups = generateSlothRules(loadSlothSpecs(join(directory, 'no-alerts.yml')))
    expect(groups.map((group) => group.name)).toEqual([
      'sloth-slo-sli-recordings-myapp-http-availability',
      'sloth-slo-meta-recordings-myapp-http-availability',
    ])
  })

  it('reads custom alert windows', () => {
    const raw = parse(readFileSync(join(directory, 'windows', '7d.yaml'), 'utf8')) as {
      spec: Parameters<typeof parseAlertWindows>[0]
    }
    const windows = parseAlertWindows(raw.spec)
    expect(windows.periodMs).toBe(7 * 86_400_000)
    expect(windows.pageQuick.longMs).toBeLessThan(windows.ticketSlow.longMs)
  })
})

describe('burn-rate windows', () => {
  it('uses the SRE Workbook factors for 30 days and scales windows for other periods', () => {
    const month = defaultAlertWindows()
    const factors = [month.pageQuick, month.pageSlow, month.ticketQuick, month.ticketSlow].map(
      (window) => burnRateFactor(window, month.periodMs),
    )
    expect(factors.map((f) => Math.round(f * 10) / 10)).toEqual([14.4, 6, 3, 1])
    const week = defaultAlertWindows(7 * 86_400_000)
    expect(burnRateFactor(week.pageQuick, week.periodMs)).toBeCloseTo(14.4)
    expect(week.pageQuick.longMs).toBe(14 * 60_000)
  })
})
