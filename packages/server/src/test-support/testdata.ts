import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

const repoRoot = resolve(import.meta.dirname, '../../../..')

/**
 * Where the shared public test vectors live: `../shared/testdata` beside the repository, or
 * `RAMPART_TESTDATA`. Returns undefined when absent so a suite can skip outside CI; under
 * `CI=true` a missing directory is an error, because a skipped vector suite proves nothing.
 */
export function findTestdata(subdirectory: string): string | undefined {
  const root = process.env.RAMPART_TESTDATA ?? resolve(repoRoot, '../shared/testdata')
  const directory = resolve(root, subdirectory)
  if (existsSync(directory)) return directory

  if (process.env.CI === 'true') {
    throw new Error(`test vectors missing at ${directory}; set RAMPART_TESTDATA or add them`)
  }
  console.warn(`skipping: test vectors not found at ${directory} (set RAMPART_TESTDATA)`)
  return undefined
}
