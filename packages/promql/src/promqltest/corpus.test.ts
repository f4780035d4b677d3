import { describe, expect, it } from 'vitest'

import { findTestdata } from '../test-support/testdata.js'
import { runCorpus } from './corpus.js'

/**
 * The measured floor of the pass ratio over the supported commands of every file but
 * native_histograms.test. Raise it when the engine improves; a drop means a regression.
 */
const PASS_RATIO_FLOOR = 1

/** The same for the strict figure, which also counts commands reading histogram series. */
const STRICT_RATIO_FLOOR = 0.83

const directory = findTestdata('promql')

describe.skipIf(directory === undefined)('the Prometheus promqltest corpus', () => {
  it(`passes at least ${PASS_RATIO_FLOOR * 100}% of the supported evaluations`, () => {
    const summary = runCorpus(directory ?? '')
    const failures = summary.files.flatMap((file) =>
      file.outcomes
        .filter((outcome) => outcome.status === 'failed')
        .map((outcome) => `${file.file}:${outcome.line} ${outcome.query}: ${outcome.reason ?? ''}`),
    )

    expect(summary.files.length).toBeGreaterThan(0)
    expect(summary.ratio, failures.join('\n')).toBeGreaterThanOrEqual(PASS_RATIO_FLOOR)
    expect(summary.strict.ratio).toBeGreaterThanOrEqual(STRICT_RATIO_FLOOR)
  })
})
