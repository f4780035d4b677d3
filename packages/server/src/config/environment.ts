import { parse as parseYaml } from 'yaml'
import type { z } from 'zod'
import { ConfigurationError } from '../platform/errors.js'

export const environmentPrefix = 'RAMPART_'

/** `RAMPART_*` variables that are not configuration keys. */
const reservedVariables = new Set(['RAMPART_CONFIG', 'RAMPART_TESTDATA'])

interface SchemaDefinition {
  type: string
  innerType?: z.ZodType
  shape?: Record<string, z.ZodType>
}

function definitionOf(schema: z.ZodType): SchemaDefinition {
  return (schema as unknown as { _zod: { def: SchemaDefinition } })._zod.def
}

/** The schema under optional/default/prefault wrappers. */
function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema
  for (;;) {
    const definition = definitionOf(current)
    if (definition.innerType === undefined) return current
    current = definition.innerType
  }
}

function shapeOf(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const definition = definitionOf(unwrap(schema))
  return definition.type === 'object' ? definition.shape : undefined
}

/**
 * Finds the key path a variable names. Keys contain underscores themselves, so the name is
 * matched against the schema level by level (`SERVER_BODY_LIMIT_BYTES` is
 * `server.body_limit_bytes`), rather than split on every underscore.
 */
function resolvePath(name: string, schema: z.ZodType): { path: string[]; leaf: z.ZodType } | null {
  const shape = shapeOf(schema)
  if (shape === undefined) return null

  for (const [key, child] of Object.entries(shape)) {
    const upper = key.toUpperCase()
    if (name === upper) return { path: [key], leaf: unwrap(child) }
    if (name.startsWith(`${upper}_`)) {
      const rest = resolvePath(name.slice(upper.length + 1), child)
      if (rest !== null) return { path: [key, ...rest.path], leaf: rest.leaf }
    }
  }
  return null
}

function parseValue(name: string, raw: string, leaf: z.ZodType): unknown {
  const type = definitionOf(leaf).type
  if (type === 'number') return raw.trim() === '' ? raw : Number(raw)
  if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw
  if (type === 'object' || type === 'array' || type === 'record') {
    try {
      return parseYaml(raw) as unknown
    } catch (error) {
      throw new ConfigurationError(`${name} is not valid YAML`, { cause: error })
    }
  }
  return raw
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target
  for (const key of path.slice(0, -1)) {
    const next = node[key]
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {}
    node = node[key] as Record<string, unknown>
  }
  node[path[path.length - 1] as string] = value
}

/**
 * Lays `RAMPART_*` variables over the values read from the file. An unknown variable is an
 * error naming it, because a misspelt setting silently ignored is worse than a refusal.
 */
export function applyEnvironment(
  values: Record<string, unknown>,
  environment: NodeJS.ProcessEnv,
  schema: z.ZodType,
): void {
  for (const [name, raw] of Object.entries(environment)) {
    if (!name.startsWith(environmentPrefix) || raw === undefined) continue
    if (reservedVariables.has(name)) continue

    const resolved = resolvePath(name.slice(environmentPrefix.length), schema)
    if (resolved === null) {
      throw new ConfigurationError(`${name} is not a configuration setting`)
    }
    setPath(values, resolved.path, parseValue(name, raw, resolved.leaf))
  }

  const databaseUrl = environment.DATABASE_URL
  if (databaseUrl !== undefined && environment.RAMPART_DATABASE_URL === undefined) {
    setPath(values, ['database', 'url'], databaseUrl)
  }
}
