/**
 * Prints per-file pass counts of the PromQL test corpus.
 *
 * Usage: node --import tsx packages/promql/src/promqltest/cli.ts [directory] [--failures]
 * The directory defaults to the shared test data (see test-support/testdata.ts).
 */
import { defaultTestdataDirectory } from '../test-support/testdata.js'
import { runCorpus } from './corpus.js'

const args = process.argv.slice(2)
const showFailures = args.includes('--failures')
const directory = args.find((arg) => !arg.startsWith('--')) ?? defaultTestdataDirectory('promql')

const summary = runCorpus(directory)
const percent = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`
const width = Math.max(...summary.files.map((file) => file.file.length))
for (const file of summary.files) {
  const ratio = `${file.passed}/${file.total - file.unsupported}`.padStart(9)
  const anyway = file.passedAnyway > 0 ? `, ${file.passedAnyway} of them pass anyway` : ''
  const unsupported = file.unsupported > 0 ? `  (${file.unsupported} unsupported${anyway})` : ''
  const excluded = file.excluded === undefined ? '' : `  [excluded: ${file.excluded}]`
  console.log(`${file.file.padEnd(width)} ${ratio}${unsupported}${excluded}`)
  if (!showFailures) continue
  for (const outcome of file.outcomes) {
    if (outcome.status !== 'failed') continue
    console.log(`    line ${outcome.line}: ${outcome.query}\n        ${outcome.reason ?? ''}`)
  }
}

const { strict } = summary
console.log(
  `aggregate (excluding marked files): ${summary.passed}/${summary.supported} = ` +
    percent(summary.ratio),
)
console.log(
  'strict (also counting commands that read native histogram series): ' +
    `${strict.passed}/${strict.counted} = ${percent(strict.ratio)}`,
)
