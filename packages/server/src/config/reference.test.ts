import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, it } from 'vitest'
import { renderConfigurationReference } from './reference.js'

it('keeps docs/configuration.md in step with the schema (npm run docs:config)', () => {
  const committed = readFileSync(resolve(import.meta.dirname, '../../../../docs/configuration.md'))
  expect(committed.toString('utf8')).toBe(renderConfigurationReference())
})

it('lists nested keys with their environment variables', () => {
  const reference = renderConfigurationReference()
  expect(reference).toContain('| `server.body_limit_bytes` | `RAMPART_SERVER_BODY_LIMIT_BYTES` |')
  expect(reference).toContain('| `data_dir` | `RAMPART_DATA_DIR` |')
})
