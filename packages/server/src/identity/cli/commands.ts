/**
 * `rampart user ...`, `rampart client ...` and `rampart keys rotate`: administration on the
 * database directly, with the same `--config`/`--data-dir` as `start`. Passwords are read
 * from standard input, never from arguments (which other users can see in `ps`).
 */
import type { Command } from 'commander'

import { createApp } from '../../app.js'
import { loadConfig } from '../../config/load.js'
import { createLogger } from '../../platform/logger.js'
import type { IdentityModule } from '../module.js'
import { addSigningKey, listSigningKeys } from '../provider/signing-keys.js'

interface CommonFlags {
  config?: string
  dataDir?: string
  json?: boolean
}

/** Reads the whole of standard input (a password piped or typed, then Ctrl-D). */
async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password (end with Enter, then Ctrl-D): ')
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '')
}

/** Opens the platform without listening, runs `work` with the identity module, closes. */
async function withIdentity<T>(
  flags: CommonFlags,
  work: (identity: IdentityModule, masterKey: Buffer) => Promise<T>,
): Promise<T> {
  const { config } = loadConfig({ file: flags.config, overrides: { dataDir: flags.dataDir } })
  const app = await createApp({ config, logger: createLogger({ level: 'warn' }), command: true })
  try {
    const identity = app.modules.find((mod) => mod.name === 'identity') as IdentityModule
    return await work(identity, app.masterKey.key)
  } finally {
    await app.stop()
  }
}

function print(flags: CommonFlags, value: unknown, text: string): void {
  console.log(flags.json === true ? JSON.stringify(value, null, 2) : text)
}

const cliActor = { type: 'service', name: 'rampart cli' } as const

type Common = (command: Command) => Command

function registerUserCommands(program: Command, common: Common): void {
  const user = program.command('user').description('manage user accounts')

  common(user.command('create').description('create a user; the password is read from stdin'))
    .requiredOption('--email <email>', 'the email address (unique, case-insensitively)')
    .option('--name <name>', 'display name')
    .option('--admin', 'make the user an administrator')
    .option('--no-password', 'create without a password (none is read)')
    .option('--json', 'print JSON')
    .action(
      async (
        flags: CommonFlags & { email: string; name?: string; admin?: boolean; password: boolean },
      ) => {
        const password = flags.password ? await readStdin() : undefined
        const created = await withIdentity(flags, async ({ services }) => {
          const made = await services.accounts.create({
            email: flags.email,
            name: flags.name,
            password,
            isAdmin: flags.admin === true,
          })
          await services.audit.record({
            type: 'identity.user.created',
            action: 'create',
            actor: cliActor,
            target: { type: 'user', id: made.id },
            outcome: 'success',
            fields: { admin: made.isAdmin, passwordSet: made.hasPassword },
          })
          return made
        })
        print(flags, created, `created user ${created.id} <${created.email}>`)
      },
    )

  common(user.command('disable').description('disable a user and end their sessions and tokens'))
    .requiredOption('--email <email>', 'the user')
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags & { email: string }) => {
      const updated = await withIdentity(flags, async ({ services }) => {
        const found = await services.accounts.findByEmail(flags.email)
        if (found === undefined) throw new Error(`no user with email ${flags.email}`)
        const result = await services.accounts.update(found.id, { status: 'disabled' })
        await services.sessions.revokeAll(found.id)
        await services.db
          .deleteFrom('identity_oidc_payloads')
          .where('payload', 'like', `%"accountId":${JSON.stringify(found.id)}%`)
          .execute()
        await services.audit.record({
          type: 'identity.user.disabled',
          action: 'update',
          actor: cliActor,
          target: { type: 'user', id: found.id },
          outcome: 'success',
        })
        return result
      })
      print(flags, updated, `disabled user ${updated.id}`)
    })

  common(user.command('reset-password').description('set a new password, read from stdin'))
    .requiredOption('--email <email>', 'the user')
    .action(async (flags: CommonFlags & { email: string }) => {
      const password = await readStdin()
      await withIdentity(flags, async ({ services }) => {
        const found = await services.accounts.findByEmail(flags.email)
        if (found === undefined) throw new Error(`no user with email ${flags.email}`)
        await services.accounts.setPassword(found.id, password)
        await services.sessions.revokeAll(found.id)
        await services.throttle.unlock(found.email)
        await services.audit.record({
          type: 'auth.password.changed',
          action: 'reset',
          actor: cliActor,
          target: { type: 'user', id: found.id },
          outcome: 'success',
        })
      })
      console.log(`password of ${flags.email} reset; their sessions ended`)
    })
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value]
}

function registerClientCommands(program: Command, common: Common): void {
  const client = program.command('client').description('manage OAuth clients')

  common(client.command('create').description('register a client; a secret is printed once'))
    .requiredOption('--name <name>', 'display name')
    .option('--public', 'a public client (SPA, native app): PKCE, no secret')
    .option('--redirect-uri <uri>', 'an allowed redirect URI (repeatable)', collect)
    .option('--grant-type <type>', 'authorization_code, refresh_token, client_credentials', collect)
    .option('--scope <scope>', 'space-separated scopes the client may request')
    .option('--json', 'print JSON')
    .action(
      async (
        flags: CommonFlags & {
          name: string
          public?: boolean
          redirectUri?: string[]
          grantType?: string[]
          scope?: string
        },
      ) => {
        const created = await withIdentity(flags, async ({ services }) => {
          const made = await services.clients.create({
            name: flags.name,
            type: flags.public === true ? 'public' : 'confidential',
            redirect_uris: flags.redirectUri ?? [],
            ...(flags.grantType === undefined ? {} : { grant_types: flags.grantType }),
            ...(flags.scope === undefined ? {} : { scope: flags.scope }),
          })
          await services.audit.record({
            type: 'identity.client.created',
            action: 'create',
            actor: cliActor,
            target: { type: 'client', id: made.clientId, name: made.name },
            outcome: 'success',
          })
          return made
        })
        const secret =
          created.clientSecret === undefined ? '' : `\nclient_secret: ${created.clientSecret}`
        print(flags, created, `client_id: ${created.clientId}${secret}`)
      },
    )

  common(client.command('list').description('list clients'))
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags) => {
      const clients = await withIdentity(flags, ({ services }) => services.clients.list())
      const lines = clients.map(
        (item) =>
          `${item.clientId}  ${item.type.padEnd(12)}  ${item.name}  ${item.grantTypes.join(',')}`,
      )
      print(flags, clients, lines.join('\n') || 'no clients')
    })

  common(client.command('delete').description('delete a client and revoke its tokens'))
    .argument('<client_id>')
    .action(async (clientId: string, flags: CommonFlags) => {
      await withIdentity(flags, async ({ services }) => {
        await services.clients.delete(clientId)
        await services.audit.record({
          type: 'identity.client.deleted',
          action: 'delete',
          actor: cliActor,
          target: { type: 'client', id: clientId },
          outcome: 'success',
        })
      })
      console.log(`deleted client ${clientId}`)
    })
}

/** Adds `user`, `client` and `keys` commands; `common` adds --config and --data-dir. */
export function registerIdentityCommands(program: Command, common: Common): void {
  registerUserCommands(program, common)
  registerClientCommands(program, common)

  const keys = program.command('keys').description('manage the identity signing keys')
  common(
    keys
      .command('rotate')
      .description('add a signing key: published now, signing after an hour, old key kept'),
  )
    .option('--json', 'print JSON')
    .action(async (flags: CommonFlags) => {
      const listed = await withIdentity(flags, async ({ services }, masterKey) => {
        const kid = await addSigningKey(services.db, masterKey, { now: () => Date.now() }, 'next')
        await services.audit.record({
          type: 'identity.key.added',
          action: 'rotate',
          actor: cliActor,
          target: { type: 'signing_key', id: kid },
          outcome: 'success',
        })
        return listSigningKeys(services.db)
      })
      const lines = listed.map((key) => `${key.kid}  ${key.status}`)
      print(flags, listed, lines.join('\n'))
    })
}
