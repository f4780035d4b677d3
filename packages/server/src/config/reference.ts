import { z } from 'zod'
import { environmentPrefix } from './environment.js'
import { configSchema } from './schema.js'

interface JsonSchemaNode {
  type?: string | string[]
  description?: string
  default?: unknown
  enum?: unknown[]
  minimum?: number
  exclusiveMinimum?: number
  maximum?: number
  properties?: Record<string, JsonSchemaNode>
}

interface Row {
  readonly key: string
  readonly type: string
  readonly defaultValue: string
  readonly description: string
}

function typeOf(node: JsonSchemaNode): string {
  if (node.enum !== undefined) return node.enum.map((value) => `\`${String(value)}\``).join(', ')
  const type = Array.isArray(node.type) ? node.type.join(' | ') : (node.type ?? 'any')
  const maximum = node.maximum === Number.MAX_SAFE_INTEGER ? undefined : node.maximum
  if (node.exclusiveMinimum === 0 && maximum === undefined) return `${type} > 0`
  if (node.minimum !== undefined && maximum !== undefined) {
    return `${type} (${node.minimum}–${maximum})`
  }
  return type
}

function collect(node: JsonSchemaNode, prefix: string[], rows: Row[]): void {
  for (const [key, child] of Object.entries(node.properties ?? {})) {
    const path = [...prefix, key]
    if (child.properties !== undefined) {
      collect(child, path, rows)
      continue
    }
    rows.push({
      key: path.join('.'),
      type: typeOf(child),
      defaultValue: child.default === undefined ? '' : `\`${JSON.stringify(child.default)}\``,
      description: child.description ?? '',
    })
  }
}

/** The configuration reference in Markdown, generated from the schema that validates it. */
export function renderConfigurationReference(): string {
  const schema = z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchemaNode
  const rows: Row[] = []
  collect(schema, [], rows)

  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from packages/server/src/config/schema.ts by `npm run docs:config`. -->',
    '',
    'Settings come from, in rising precedence: defaults, the YAML file (`--config FILE`, or',
    '`./rampart.yaml` when present, or `RAMPART_CONFIG`), `RAMPART_*` environment variables',
    '(nested keys joined with `_`), and command-line flags (`--host`, `--port`, `--data-dir`).',
    'Unknown keys and unknown `RAMPART_*` variables are errors. `DATABASE_URL` is accepted for',
    '`database.url`. Secrets may be given as files: `database.url_file`, `master_key_file`.',
    '',
    '| Key | Environment variable | Type | Default | Description |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((row) => {
      const variable = environmentPrefix + row.key.replaceAll('.', '_').toUpperCase()
      const cells = [`\`${row.key}\``, `\`${variable}\``, row.type, row.defaultValue]
      return `| ${[...cells, row.description].join(' | ')} |`
    }),
    '',
  ]
  return lines.join('\n')
}
