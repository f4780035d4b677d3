/**
 * The plain value of a parsed rule-file YAML document, with alias expansion bounded.
 */
import type { Document } from 'yaml'
import { RuleFileError } from './rule-file.js'

// Each level of `&a [*a, *a, ...]` multiplies the nodes an expansion builds; the yaml library
// stops past this many and throws a ReferenceError, which is bad input, not a server failure.
const MAX_ALIAS_COUNT = 1000

/**
 * `document.toJS()`, refusing an alias bomb as a rule-file problem.
 *
 * @throws RuleFileError naming `file` when aliases expand too far.
 */
export function yamlValue(document: Document, file: string, group?: string): unknown {
  try {
    return document.toJS({ maxAliasCount: MAX_ALIAS_COUNT })
  } catch (error) {
    if (!(error instanceof ReferenceError)) throw error
    const reason = `YAML aliases expand too far: ${error.message}`
    throw new RuleFileError([{ file, ...(group === undefined ? {} : { group }), reason }])
  }
}
