/**
 * The `rampart rules` subcommands.
 */
import type { Command } from 'commander'
import { Option } from 'commander'
import type { NameValidation } from '../rules/parse-rule-file.js'
import { runUnitTestFile } from '../unittest/run-unit-tests.js'
import { checkRuleFiles } from './check-command.js'

interface CheckFlags {
  nameValidation: NameValidation
}

/** Adds `rules check` (and `rules test`) to the CLI. */
export function registerAlertingCommands(program: Command): void {
  const rules = program.command('rules').description('check and unit-test Prometheus rule files')

  rules
    .command('check')
    .description('validate rule files like promtool check rules; exit 1 when any is bad')
    .argument('<files...>', 'rule files')
    .addOption(
      new Option('--name-validation <scheme>', 'label and annotation names allowed')
        .choices(['utf8', 'legacy'])
        .default('utf8'),
    )
    .action((files: string[], flags: CheckFlags) => {
      const outcome = checkRuleFiles(files, flags.nameValidation)
      for (const line of outcome.stdout) console.log(line)
      for (const line of outcome.stderr) console.error(line)
      process.exitCode = outcome.exitCode
    })

  rules
    .command('test')
    .description("run rule unit tests in promtool's format; exit 1 when any fails")
    .argument('<files...>', 'unit-test files')
    .action(async (files: string[]) => {
      let failed = false
      for (const file of files) {
        const result = await runUnitTestFile(file)
        console.log(`Unit Testing: ${file}`)
        for (const line of result.unsupported) console.log(`  SKIPPED: ${line}`)
        if (result.failures.length === 0) {
          console.log(`  SUCCESS (${result.checks} checks)\n`)
          continue
        }
        failed = true
        console.error(`  FAILED:`)
        for (const failure of result.failures) console.error(`    ${failure}`)
      }
      process.exitCode = failed ? 1 : 0
    })
}
