import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

// Both src/ and dist/ sit one level below the package root.
const packageJson = JSON.parse(
  readFileSync(resolve(import.meta.dirname, '../package.json'), 'utf8'),
) as { version: string }

/** The version of the Rampart server package. */
export const version: string = packageJson.version
