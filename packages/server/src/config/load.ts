import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseDocument } from 'yaml'
import { ConfigurationError } from '../platform/errors.js'
import { applyEnvironment } from './environment.js'
import type { Config } from './schema.js'
import { configSchema } from './schema.js'

export const defaultConfigFile = 'rampart.yaml'

/** Values given on the command line; they win over the file and the environment. */
export interface ConfigOverrides {
  readonly host?: string | undefined
  readonly port?: number | undefined
  readonly dataDir?: string | undefined
}

export interface LoadConfigOptions {
  /** An explicit file: it must exist. Otherwise `./rampart.yaml` is read when present. */
  readonly file?: string | undefined
  readonly environment?: NodeJS.ProcessEnv
  readonly overrides?: ConfigOverrides
  readonly cwd?: string
}

export interface LoadedConfig {
  readonly config: Config
  /** The file read, if any. */
  readonly file: string | undefined
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new ConfigurationError(`cannot read configuration file ${path}`, { cause: error })
  }

  const document = parseDocument(text, { uniqueKeys: true })
  const firstError = document.errors[0]
  if (firstError !== undefined) {
    const position = firstError.linePos?.[0]
    const where = position === undefined ? '' : ` at line ${position.line}:${position.col}`
    throw new ConfigurationError(`${path}${where}: ${yamlReason(firstError.message)}`)
  }

  const values: unknown = document.toJS()
  if (values === null || values === undefined) return {}
  if (typeof values !== 'object' || Array.isArray(values)) {
    throw new ConfigurationError(`${path}: the top level must be a mapping of settings`)
  }
  return values as Record<string, unknown>
}

/** The yaml library's message without its own position suffix and source excerpt. */
function yamlReason(message: string): string {
  const firstLine = message.split('\n', 1)[0] ?? message
  return firstLine.replace(/ at line \d+, column \d+:?$/, '')
}

/** Replaces `<key>_file` secrets with the file's contents, trimmed. */
function readSecretFile(
  section: Record<string, unknown> | undefined,
  key: string,
  cwd: string,
): void {
  const path = section?.[`${key}_file`]
  if (section === undefined || typeof path !== 'string') return
  if (section[key] !== undefined) {
    throw new ConfigurationError(`give either ${key} or ${key}_file, not both`)
  }
  try {
    section[key] = readFileSync(resolve(cwd, path), 'utf8').trim()
  } catch (error) {
    throw new ConfigurationError(`cannot read ${key}_file ${path}`, { cause: error })
  }
}

function describeIssues(issues: readonly { path: PropertyKey[]; message: string }[]): string {
  return issues
    .map((issue) => {
      const key = issue.path.map(String).join('.')
      return key === '' ? issue.message : `${key}: ${issue.message}`
    })
    .join('; ')
}

/**
 * Reads the configuration: defaults, then the YAML file, then `RAMPART_*` variables, then
 * command-line flags. The result is validated; the error names each bad key and why.
 */
export function loadConfig(options: LoadConfigOptions = {}): LoadedConfig {
  const cwd = options.cwd ?? process.cwd()
  const environment = options.environment ?? process.env
  const explicit = options.file ?? environment.RAMPART_CONFIG
  const fallback = resolve(cwd, defaultConfigFile)
  const file =
    explicit !== undefined ? resolve(cwd, explicit) : existsSync(fallback) ? fallback : undefined

  const values = file === undefined ? {} : readConfigFile(file)
  applyEnvironment(values, environment, configSchema)

  const overrides = options.overrides ?? {}
  const section = values.server ?? {}
  if (typeof section !== 'object' || section === null || Array.isArray(section)) {
    throw new ConfigurationError('invalid configuration: server: must be a mapping of settings')
  }
  const server = section as Record<string, unknown>
  if (overrides.host !== undefined) server.host = overrides.host
  if (overrides.port !== undefined) server.port = overrides.port
  values.server = server
  if (overrides.dataDir !== undefined) values.data_dir = overrides.dataDir

  readSecretFile(values.database as Record<string, unknown> | undefined, 'url', cwd)
  readSecretFile(values.redis as Record<string, unknown> | undefined, 'url', cwd)

  const parsed = configSchema.safeParse(values)
  if (!parsed.success) {
    const where = file === undefined ? 'configuration' : `configuration (${file})`
    throw new ConfigurationError(`invalid ${where}: ${describeIssues(parsed.error.issues)}`)
  }

  const config = parsed.data
  return { config: { ...config, data_dir: resolve(cwd, config.data_dir) }, file }
}
