/**
 * `rampart access export` and `rampart access import`: the whole policy as a YAML document,
 * for review in version control. An import with `--dry-run` prints the diff and changes
 * nothing; without it the server applies the document in one transaction.
 */
import { readFile, writeFile } from 'node:fs/promises'

import type { Command } from 'commander'

import type { ApiTarget } from './client.js'
import { callAccessApiText } from './client.js'

export interface PolicyCommandDeps {
  readonly withTarget: (command: Command) => Command
  readonly targetOf: (flags: { url: string; token?: string }) => ApiTarget
}

interface ImportFlags {
  readonly url: string
  readonly token?: string
  readonly dryRun?: boolean
  readonly atVersion?: string
}

/** Adds `export` and `import` to `rampart access`. */
export function registerPolicyCommands(access: Command, deps: PolicyCommandDeps): void {
  const { withTarget, targetOf } = deps

  withTarget(access.command('export').description('write the whole policy as YAML'))
    .option('--out <file>', 'write to this file instead of standard output')
    .action(async (flags: { url: string; token?: string; out?: string }) => {
      const yaml = await callAccessApiText(targetOf(flags), 'GET', '/v1/access/policy', {
        accept: 'application/yaml',
      })
      if (flags.out === undefined) process.stdout.write(yaml)
      else await writeFile(flags.out, yaml, 'utf8')
    })

  withTarget(access.command('import <file>').description('replace the policy with a document'))
    .option('--dry-run', 'print what would change, change nothing')
    .option('--at-version <n>', 'refuse if the policy is no longer at this version')
    .action(async (file: string, flags: ImportFlags) => {
      const body = await readFile(file, 'utf8')
      const query = flags.dryRun === true ? '?dryRun=true' : ''
      const answer = await callAccessApiText(targetOf(flags), 'PUT', `/v1/access/policy${query}`, {
        contentType: file.endsWith('.json') ? 'application/json' : 'application/yaml',
        ...(flags.atVersion === undefined ? {} : { ifMatch: `"v${flags.atVersion}"` }),
        body,
      })
      console.log(JSON.stringify(JSON.parse(answer), null, 2))
    })
}
