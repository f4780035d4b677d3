import { Command, InvalidArgumentError } from 'commander'
import type { App } from './app.js'
import { createApp } from './app.js'
import { registerAlertingCommands } from './alerting/cli/commands.js'
import { registerAuditCommands } from './audit/cli/commands.js'
import { registerIdentityCommands } from './identity/cli/commands.js'
import { registerAccessCommands } from './access/cli/commands.js'
import type { ConfigOverrides } from './config/load.js'
import { loadConfig } from './config/load.js'
import { ConfigurationError } from './platform/errors.js'
import { createLogger } from './platform/logger.js'
import { openStore } from './store/database.js'
import { migrateToLatest } from './store/migrate.js'
import { version } from './version.js'

interface CommonFlags {
  config?: string
  dataDir?: string
}

interface StartFlags extends CommonFlags {
  host?: string
  port?: number
}

function parsePort(value: string): number {
  const port = value.trim() === '' ? NaN : Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError('must be an integer from 0 to 65535')
  }
  return port
}

function overridesOf(flags: StartFlags): ConfigOverrides {
  return { host: flags.host, port: flags.port, dataDir: flags.dataDir }
}

async function start(flags: StartFlags): Promise<void> {
  const { config, file } = loadConfig({ file: flags.config, overrides: overridesOf(flags) })
  const logger = createLogger({ level: config.log.level })
  logger.info({ file: file ?? null, dataDir: config.data_dir }, 'configuration loaded')

  // Signals are handled from the start: one that arrives while the app is still being built
  // stops it as soon as it exists.
  const running: { app?: App } = {}
  let signal: NodeJS.Signals | undefined
  const exit = (code: number): void => logger.flush(() => process.exit(code))
  const shutdown = (received: NodeJS.Signals): void => {
    if (signal !== undefined) return
    signal = received
    logger.info({ signal }, 'shutting down')
    if (running.app === undefined) return
    running.app.stop().then(
      () => exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed')
        exit(1)
      },
    )
  }
  process.once('SIGTERM', shutdown)
  process.once('SIGINT', shutdown)

  const app = await createApp({ config, logger })
  running.app = app
  if (signal !== undefined) {
    await app.stop()
    exit(0)
    return
  }
  try {
    await app.start()
  } catch (error) {
    // A module that fails to start must not leave a half-started server answering /healthz.
    await app.stop().catch(() => undefined)
    throw error
  }
}

async function migrate(flags: CommonFlags): Promise<void> {
  const { config } = loadConfig({ file: flags.config, overrides: { dataDir: flags.dataDir } })
  const store = openStore({ url: config.database.url, dataDir: config.data_dir })
  try {
    const applied = await migrateToLatest(store)
    if (applied.length === 0) console.log('database is up to date')
    for (const migration of applied) console.log(`${migration.status}: ${migration.name}`)
  } finally {
    await store.close()
  }
}

function commonOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'configuration file (default: ./rampart.yaml when present)')
    .option('-d, --data-dir <dir>', 'data directory (default: ./data)')
}

/** The `rampart` command line. */
export function buildCli(): Command {
  const program = new Command('rampart')
    .description('Rampart: security and monitoring platform for backend services')
    .version(version)
    .showHelpAfterError()

  commonOptions(program.command('start').description('start the platform'))
    .option('-H, --host <host>', 'address to listen on (default: 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on; 0 picks a free one (default: 8080)', parsePort)
    .action(start)

  commonOptions(
    program.command('migrate').description('apply pending database migrations and exit'),
  ).action(migrate)

  registerAuditCommands(program, commonOptions)
  registerIdentityCommands(program, commonOptions)
  registerAlertingCommands(program)
  registerAccessCommands(program)

  return program
}

function describeFailure(error: unknown): string {
  const messages: string[] = []
  for (let current = error; current !== undefined && messages.length < 5;) {
    messages.push(current instanceof Error ? current.message : 'unknown error')
    current = current instanceof Error ? current.cause : undefined
  }
  return messages.join(': ')
}

/** Runs the CLI; configuration mistakes print one clear line and exit 2. */
export async function runCli(argv: readonly string[]): Promise<void> {
  try {
    await buildCli().parseAsync([...argv])
  } catch (error) {
    if (error instanceof ConfigurationError) {
      console.error(`rampart: ${error.message}`)
      process.exitCode = 2
      return
    }
    // Start-up failures (port in use, database unreachable, unwritable data directory) get
    // one line with the chain of causes; the stack only with RAMPART_DEBUG=1.
    console.error(`rampart: cannot continue: ${describeFailure(error)}`)
    if (process.env.RAMPART_DEBUG === '1') console.error(error)
    process.exitCode = 1
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await runCli(process.argv)
