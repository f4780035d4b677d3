/**
 * `rampart rules check FILE...`: validates rule files like `promtool check rules`.
 */
import { loadRuleFiles } from '../rules/parse-rule-file.js'
import type { NameValidation } from '../rules/parse-rule-file.js'
import { formatIssue, RuleFileError } from '../rules/rule-file.js'

export interface CheckOutcome {
  readonly stdout: readonly string[]
  readonly stderr: readonly string[]
  readonly exitCode: number
}

/** Checks each file on its own, so one bad file does not hide the result of the others. */
export function checkRuleFiles(files: readonly string[], validation: NameValidation): CheckOutcome {
  const stdout: string[] = []
  const stderr: string[] = []
  let failed = 0
  for (const file of files) {
    stdout.push(`Checking ${file}`)
    try {
      const groups = loadRuleFiles([file], { nameValidation: validation })
      const rules = groups.reduce((total, group) => total + group.rules.length, 0)
      stdout.push(`  SUCCESS: ${rules} rules found`, '')
    } catch (error) {
      if (!(error instanceof RuleFileError)) throw error
      failed++
      stderr.push(`  FAILED:`, ...error.issues.map((issue) => `    ${formatIssue(issue)}`))
    }
  }
  return { stdout, stderr, exitCode: failed > 0 ? 1 : 0 }
}
