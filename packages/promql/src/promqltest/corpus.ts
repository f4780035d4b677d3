/**
 * Runs a directory of `.test` scripts and summarises the outcomes per file.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

import type { EvalOutcome } from './run-script.js'
import { runScript } from './run-script.js'

/** Files left out of the aggregate (they still run and are reported): native histograms. */
export const EXCLUDED_FILES: Readonly<Record<string, string>> = {
  'native_histograms.test': 'native histograms',
}

export interface FileSummary {
  readonly file: string
  /** Evaluation commands in the file. */
  readonly total: number
  readonly passed: number
  readonly failed: number
  /** Commands not run because they need native histograms or unimplemented experimental syntax. */
  readonly unsupported: number
  /** Unsupported commands that were run anyway (they read native histogram series) and passed. */
  readonly passedAnyway: number
  /** Why the whole file is outside the aggregate, if it is. */
  readonly excluded: string | undefined
  readonly outcomes: readonly EvalOutcome[]
}

export interface CorpusSummary {
  readonly files: readonly FileSummary[]
  /** Passed over supported commands, in the files not excluded. */
  readonly passed: number
  readonly supported: number
  readonly ratio: number
  /**
   * The stricter figure: commands that only read native histogram series count too (as
   * passed or failed by what they returned); only histogram results and unimplemented
   * experimental syntax stay out.
   */
  readonly strict: { readonly passed: number; readonly counted: number; readonly ratio: number }
}

export function runCorpus(directory: string): CorpusSummary {
  const names = readdirSync(directory)
    .filter((name) => name.endsWith('.test'))
    .sort()
  const files = names.map((file) =>
    summariseFile(file, readFileSync(join(directory, file), 'utf8')),
  )

  let passed = 0
  let supported = 0
  let strictPassed = 0
  let strictCounted = 0
  for (const file of files) {
    if (file.excluded !== undefined) continue
    passed += file.passed
    supported += file.total - file.unsupported
    const ran = file.outcomes.filter((outcome) => outcome.passedAnyway !== undefined)
    strictPassed += file.passed + file.passedAnyway
    strictCounted += file.total - file.unsupported + ran.length
  }
  return {
    files,
    passed,
    supported,
    ratio: supported === 0 ? 0 : passed / supported,
    strict: {
      passed: strictPassed,
      counted: strictCounted,
      ratio: strictCounted === 0 ? 0 : strictPassed / strictCounted,
    },
  }
}

function summariseFile(file: string, text: string): FileSummary {
  let outcomes: EvalOutcome[]
  try {
    outcomes = runScript(text)
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    outcomes = [{ line: 0, query: '', status: 'failed', reason: `script error: ${reason}` }]
  }
  const count = (status: EvalOutcome['status']): number =>
    outcomes.filter((outcome) => outcome.status === status).length
  return {
    file,
    total: outcomes.length,
    passed: count('passed'),
    failed: count('failed'),
    unsupported: count('unsupported'),
    passedAnyway: outcomes.filter((outcome) => outcome.passedAnyway === true).length,
    excluded: EXCLUDED_FILES[file],
    outcomes,
  }
}
