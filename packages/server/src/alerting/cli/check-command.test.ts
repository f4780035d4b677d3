import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { expect, it } from 'vitest'
import { checkRuleFiles } from './check-command.js'

it('checks each file, reporting counts of good ones and reasons of bad ones', () => {
  const directory = mkdtempSync(join(tmpdir(), 'rampart-rules-'))
  const good = join(directory, 'good.yml')
  const bad = join(directory, 'bad.yml')
  writeFileSync(good, 'groups:\n- name: g\n  rules:\n  - record: a:b\n    expr: sum(up)\n')
  writeFileSync(bad, 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up ==\n')
  const outcome = checkRuleFiles([good, bad, join(directory, 'missing.yml')], 'utf8')
  expect(outcome.exitCode).toBe(1)
  expect(outcome.stdout).toContain('  SUCCESS: 1 rules found')
  expect(outcome.stderr.join('\n')).toContain(
    `${bad}, group "g", rule 1, "A": could not parse expression: 1:6: parse error`,
  )
  expect(outcome.stderr.join('\n')).toContain('missing.yml: cannot read: ENOENT')
  expect(checkRuleFiles([good], 'utf8').exitCode).toBe(0)
})
