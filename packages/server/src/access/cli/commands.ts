/**
 * The `rampart access` subcommands: manage roles, bindings and grants, export and import the
 * whole policy, and ask for decisions, through a running server's API (`--url`, token from
 * `--token` or RAMPART_ACCESS_TOKEN).
 */
import type { Command } from 'commander'

import type { ApiTarget } from './client.js'
import { callAccessApi, parsePermissionFlag } from './client.js'
import { registerPolicyCommands } from './policy-commands.js'

interface TargetFlags {
  readonly url: string
  readonly token?: string
}

function targetOf(flags: TargetFlags): ApiTarget {
  const token = flags.token ?? process.env.RAMPART_ACCESS_TOKEN
  if (token === undefined || token === '') {
    throw new Error('give the admin or check token with --token or RAMPART_ACCESS_TOKEN')
  }
  return { url: flags.url, token }
}

const collect = (value: string, previous: string[]) => [...previous, value]
const print = (value: unknown) => console.log(JSON.stringify(value, null, 2))

function withTarget(command: Command): Command {
  return command
    .option('--url <url>', 'the Rampart server', 'http://127.0.0.1:8080')
    .option('--token <token>', 'bearer token (default: $RAMPART_ACCESS_TOKEN)')
}

/** Adds `rampart access ...`. */
export function registerAccessCommands(program: Command): void {
  const access = program.command('access').description('manage the access policy and ask it')
  registerPolicyCommands(access, { withTarget, targetOf })

  withTarget(access.command('roles').description('list roles')).action(async (flags) => {
    print(await callAccessApi(targetOf(flags as TargetFlags), 'GET', '/v1/access/roles'))
  })

  withTarget(access.command('role-put <name>').description('create or replace a role'))
    .option('--description <text>', 'what the role is for')
    .option('--tenant <tenant>', 'scope the role to one tenant')
    .option('--inactive', 'create it switched off')
    .option('--parent <role>', 'inherit this role (repeatable)', collect, [])
    .option('--permission <p>', '"order:read" or "doc:edit if <CEL>" (repeatable)', collect, [])
    .action(async (name: string, flags: TargetFlags & Record<string, unknown>) => {
      const body = {
        ...(flags.description === undefined ? {} : { description: flags.description }),
        ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
        active: flags.inactive !== true,
        parents: flags.parent,
        permissions: (flags.permission as string[]).map(parsePermissionFlag),
      }
      const path = `/v1/access/roles/${encodeURIComponent(name)}`
      print(await callAccessApi(targetOf(flags), 'PUT', path, body))
    })

  withTarget(access.command('role-delete <name>').description('delete a role'))
    .option('--cascade', 'also remove its bindings and inheritance links')
    .action(async (name: string, flags: TargetFlags & { cascade?: boolean }) => {
      const query = flags.cascade === true ? '?cascade=true' : ''
      const path = `/v1/access/roles/${encodeURIComponent(name)}${query}`
      print(await callAccessApi(targetOf(flags), 'DELETE', path))
    })

  withTarget(access.command('bind <subject> <role>').description('bind a subject to a role'))
    .option('--tenant <tenant>', 'only in this tenant')
    .option('--resource <instance>', 'only on this resource instance, e.g. project:42')
    .option('--expires <time>', 'RFC 3339 time the binding lapses')
    .action(async (subject: string, role: string, flags: TargetFlags & Record<string, string>) => {
      const body = {
        subject,
        role,
        ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
        ...(flags.resource === undefined ? {} : { resource: flags.resource }),
        ...(flags.expires === undefined ? {} : { expiresAt: flags.expires }),
      }
      print(await callAccessApi(targetOf(flags), 'POST', '/v1/access/bindings', body))
    })

  withTarget(access.command('unbind <id>').description('remove a binding')).action(
    async (id: string, flags: TargetFlags) => {
      const path = `/v1/access/bindings/${encodeURIComponent(id)}`
      print(await callAccessApi(targetOf(flags), 'DELETE', path))
    },
  )

  withTarget(access.command('grant <subject> <permission>').description('grant directly'))
    .option('--deny', 'withhold instead of grant (deny wins over allow)')
    .option('--condition <cel>', 'only when this CEL condition holds')
    .action(
      async (subject: string, permission: string, flags: TargetFlags & Record<string, unknown>) => {
        const body = {
          subject,
          permission,
          effect: flags.deny === true ? 'deny' : 'allow',
          ...(flags.condition === undefined ? {} : { condition: flags.condition }),
        }
        print(await callAccessApi(targetOf(flags), 'POST', '/v1/access/grants', body))
      },
    )

  for (const verb of ['check', 'explain'] as const) {
    withTarget(access.command(`${verb} <subject> <permission>`).description(`${verb} a decision`))
      .option('--tenant <tenant>', 'in this tenant')
      .option('--resource <instance>', 'on this resource instance, e.g. project:42')
      .action(
        async (
          subject: string,
          permission: string,
          flags: TargetFlags & Record<string, string>,
        ) => {
          const instance = flags.resource
          const colon = instance?.indexOf(':') ?? -1
          const body = {
            subject,
            permission,
            ...(flags.tenant === undefined ? {} : { tenant: flags.tenant }),
            ...(instance === undefined || colon < 1
              ? {}
              : { resource: { type: instance.slice(0, colon), id: instance.slice(colon + 1) } }),
          }
          const answer = await callAccessApi(targetOf(flags), 'POST', `/v1/access/${verb}`, body)
          print(answer)
          if (verb === 'check' && (answer as { allowed: boolean }).allowed !== true) {
            process.exitCode = 1
          }
        },
      )
  }
}
