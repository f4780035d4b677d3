import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { findTestdata } from '../../test-support/testdata.js'
import { loadRuleFiles, parseRuleFile } from './parse-rule-file.js'
import { RuleFileError } from './rule-file.js'

const rulefmt = findTestdata('rules/rulefmt')
const awesome = findTestdata('rules/awesome-prometheus-alerts')

function issuesOf(text: string, file = 'rules.yml', legacy = false): string[] {
  try {
    parseRuleFile(text, file, { nameValidation: legacy ? 'legacy' : 'utf8' })
    return []
  } catch (error) {
    if (!(error instanceof RuleFileError)) throw error
    return error.issues.map((issue) => issue.reason)
  }
}

describe.skipIf(rulefmt === undefined)("Prometheus's rulefmt fixtures", () => {
  const directory = rulefmt ?? ''
  const expectedReasons: Record<string, string> = {
    'bad_expr.bad.yaml': 'could not parse expression: 1:6: parse error: expected type range vector',
    'bad_field.bad.yaml': 'field annotation not found',
    'duplicate_grp.bad.yaml': 'groupname: "yolo" is repeated in the same file',
    'invalid_label_name.bad.yaml': 'invalid label name: __name__',
    'invalid_record_name.bad.yaml': 'invalid recording rule name: strawberry{flavor="sweet"}',
    'legacy_validation_annotation.bad.yaml': 'invalid annotation name: ins-tance',
    'no_rec_alert.bad.yaml': "one of 'record' or 'alert' must be set",
    'noexpr.bad.yaml': "field 'expr' must be set in rule",
    'record_and_alert.bad.yaml': "only one of 'record' and 'alert' must be set",
    'record_and_for.bad.yaml': "invalid field 'for' in recording rule",
    'record_and_keep_firing_for.bad.yaml': "invalid field 'keep_firing_for' in recording rule",
  }
  const files = rulefmt === undefined ? [] : readdirSync(directory)

  it('has a reason for every bad fixture', () => {
    expect(files.filter((file) => file.includes('.bad.')).sort()).toEqual(
      Object.keys(expectedReasons).sort(),
    )
  })

  it.each(Object.entries(expectedReasons))('rejects %s: %s', (file, reason) => {
    const text = readFileSync(join(directory, file), 'utf8')
    // Only the legacy name validation rejects a dash in an annotation name.
    const reasons = issuesOf(text, file, file.startsWith('legacy'))
    expect(reasons.some((found) => found.startsWith(reason))).toBe(true)
  })

  it.each(files.filter((file) => !file.includes('.bad.')))('loads %s', (file) => {
    const legacy = file.startsWith('legacy')
    const groups = loadRuleFiles([join(directory, file)], {
      nameValidation: legacy ? 'legacy' : 'utf8',
    })
    expect(groups.length).toBeGreaterThan(0)
  })

  it('reads YAML aliases and merge keys', () => {
    const [group] = loadRuleFiles([join(directory, 'test_aliases.yaml')])
    const names = group?.rules.map((rule) => rule.name)
    expect(names).toEqual(['HighAlert', 'new_metric', 'HighAlert', 'HighAlert2'])
    const merged = group?.rules[3]
    expect(merged).toMatchObject({
      kind: 'alert',
      forMs: 300_000,
      labels: { severity: 'critical' },
    })
  })
})

describe.skipIf(awesome === undefined)('awesome-prometheus-alerts', () => {
  const directory = awesome ?? ''
  it.each(awesome === undefined ? [] : readdirSync(directory))('loads %s', (file) => {
    const groups = loadRuleFiles([join(directory, file)])
    const rules = groups.flatMap((group) => group.rules)
    expect(rules.length).toBeGreaterThan(3)
    expect(rules.every((rule) => rule.kind === 'alert')).toBe(true)
  })
})

/** Nine levels of aliases, each repeating the one before nine times: an alias bomb. */
function aliasBomb(): string {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x]']
  for (let level = 1; level < 9; level++) {
    const aliases = Array.from({ length: 9 }, () => `*a${level - 1}`).join(', ')
    lines.push(`a${level}: &a${level} [${aliases}]`)
  }
  return `${lines.join('\n')}\n`
}

describe('rule file validation', () => {
  it.each([
    ['groups: [{name: g, rules: [{alert: A, expr: up, for: soon}]}]', 'invalid for "soon"'],
    ['groups: [{name: g, interval: 0s}]', 'interval must be greater than zero'],
    ['groups: [{name: g, limit: -1}]', 'limit must be a non-negative integer'],
    ['groups: [{name: ""}]', 'Groupname must not be empty'],
    ['grops: []', 'field grops not found'],
    [
      'groups: [{name: g, rules: [{alert: A, expr: up, annotations: {s: "{{ $labels.x "}}]}]',
      'template: annotation s: 1: unclosed action',
    ],
    [
      'groups: [{name: g, rules: [{alert: A, expr: up, labels: {s: "{{ nope }}"}}]}]',
      'template: label s: 1: function "nope" not defined',
    ],
    [
      'groups: [{name: g, rules: [{record: r, expr: up, annotations: {a: b}}]}]',
      "invalid field 'annotations'",
    ],
    ['groups:\n  - name: g\n    name: h\n', 'Map keys must be unique'],
  ])('rejects %s', (text, reason) => {
    expect(issuesOf(text).some((found) => found.startsWith(reason))).toBe(true)
  })

  it('names the file, group, rule and line in its message', () => {
    const text =
      'groups:\n- name: api\n  rules:\n  - alert: Up\n    expr: up\n  - alert: Bad\n    expr: rate(x)\n'
    expect(() => parseRuleFile(text, 'api.yml')).toThrow(
      'api.yml, group "api", rule 2, "Bad": could not parse expression: 1:6: parse error:',
    )
    expect(() => parseRuleFile('groups: [\n', 'broken.yml')).toThrow(/^broken.yml:\d+: /)
  })

  it('rejects an alias bomb as a problem of its file, loaded or parsed', () => {
    expect(issuesOf(aliasBomb())).toEqual([
      expect.stringMatching(/^YAML aliases expand too far: Excessive alias count/),
    ])
    const file = join(mkdtempSync(join(tmpdir(), 'rampart-rules-')), 'bomb.yml')
    writeFileSync(file, aliasBomb())
    expect(() => loadRuleFiles([file])).toThrow(`${file}: YAML aliases expand too far`)
  })

  it('reports every problem of every file, not only the first', () => {
    const text = 'groups: [{name: g, rules: [{expr: up}, {record: "a b", expr: up}]}]'
    expect(issuesOf(text)).toEqual([
      "one of 'record' or 'alert' must be set",
      'invalid recording rule name: a b',
    ])
  })
})
