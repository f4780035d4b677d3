/**
 * `npm run bench`: runs every benchmark script in turn, each in its own process, and passes
 * their JSON lines through. A benchmark that fails makes the run exit non-zero.
 * `npm run bench -- http` runs only the scripts whose path contains "http".
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

const root = resolve(import.meta.dirname, '..')
const scripts = [
  'bench/http-pipeline.ts',
  'packages/server/bench/audit-core.ts',
  'packages/server/bench/audit-append.ts',
  'packages/server/bench/identity.ts',
  'packages/server/bench/access-decisions.ts',
  'packages/promql/bench/ingest.ts',
  'packages/promql/bench/memory.ts',
  'packages/promql/bench/regex-timeout.ts',
  'bench/metrics-query.ts',
  'bench/sdk-verify.ts',
  'bench/sdk-middleware.ts',
  'packages/server/bench/alerting.ts',
]

const filters = process.argv.slice(2)
let failed = 0
for (const script of scripts) {
  if (filters.length > 0 && !filters.some((filter) => script.includes(filter))) continue
  const path = resolve(root, script)
  if (!existsSync(path)) continue

  const result = spawnSync(process.execPath, ['--conditions=source', '--import', 'tsx', path], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  })
  if (result.status !== 0) {
    failed++
    console.error(JSON.stringify({ bench: script, error: `exited with ${result.status}` }))
  }
}
process.exitCode = failed === 0 ? 0 : 1
