/**
 * The `rampart audit` subcommands.
 */
import type { Command } from 'commander'
import { InvalidArgumentError, Option } from 'commander'

import { runExport } from './export-command.js'
import type { ExportFlags } from './export-command.js'
import { runVerify } from './verify-command.js'
import type { VerifyFlags } from './verify-command.js'

function parseSeq(value: string): number {
  const seq = Number(value)
  if (!Number.isSafeInteger(seq) || seq < 1) throw new InvalidArgumentError('must be a seq ≥ 1')
  return seq
}

/** Adds `audit export` and `audit verify`; `common` adds --config and --data-dir. */
export function registerAuditCommands(program: Command, common: (command: Command) => Command) {
  const audit = program.command('audit').description('export and verify the audit log')

  common(audit.command('export').description('write the audit log with its checkpoints'))
    .addOption(
      new Option('-f, --format <format>', 'jsonl (verifiable) or csv')
        .choices(['jsonl', 'csv'])
        .default('jsonl'),
    )
    .option('-o, --out <file>', 'write here instead of standard output')
    .action(async (flags: ExportFlags) => {
      const count = await runExport(flags)
      if (flags.out !== undefined) console.error(`exported ${count} events to ${flags.out}`)
    })

  common(
    audit
      .command('verify')
      .description('verify the chain, Merkle heads and signatures; exit 1 at the first bad seq'),
  )
    .option('--from <seq>', 'start at this seq, from the last checkpoint before it', parseSeq)
    .option('--checkpoints <file>', 'verify against these checkpoints (JSONL) instead')
    .option('--public-key <file>', 'trust only this key (PEM, JWK or GET /v1/audit/keys JSON)')
    .option('--export <file>', 'verify an exported JSONL file instead of the database')
    .option('--json', 'print the report as JSON')
    .action(async (flags: VerifyFlags) => {
      const outcome = await runVerify(flags)
      for (const line of outcome.stderr) console.error(line)
      for (const line of outcome.stdout) console.log(line)
      process.exitCode = outcome.exitCode
    })
}
