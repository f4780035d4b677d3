/**
 * Locates the shared public test vectors for this package's tests.
 */
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'

const repoRoot = resolve(import.meta.dirname, '../../../..')

/** `RAMPART_TESTDATA/<subdirectory>`, or `../shared/testdata/<subdirectory>` beside the repo. */
export function defaultTestdataDirectory(subdirectory: string): string {
  const root = process.env.RAMPART_TESTDATA ?? resolve(repoRoot, '../shared/testdata')
  return resolve(root, subdirectory)
}

/**
 * The test-vector directory, or undefined when it is absent so a suite can skip. Under
 * `CI=true` a missing directory is an error: a skipped vector suite proves nothing.
 */
export function findTestdata(subdirectory: string): string | undefined {
  const directory = defaultTestdataDirectory(subdirectory)
  if (existsSync(directory)) return directory

  if (process.env.CI === 'true') {
    throw new Error(`test vectors missing at ${directory}; set RAMPART_TESTDATA or add them`)
  }
  console.warn(`skipping: test vectors not found at ${directory} (set RAMPART_TESTDATA)`)
  return undefined
}
