/**
 * A one-shot parse into plain sample objects, for tests, tools and small inputs. Scrapers
 * should keep an {@link ExpositionParser} per target instead, to benefit from its cache.
 */

import type { Labels } from '../model/series.js'
import { ExpositionParser } from './exposition-parser.js'
import type { ExpositionFormat, MetricMetadata } from './metric-metadata.js'

export interface ExposedSample {
  readonly labels: Labels
  readonly value: number
  /** Milliseconds, when the line carried a timestamp. */
  readonly timestampMs?: number
}

export interface ParsedExposition {
  readonly samples: ExposedSample[]
  readonly metadata: ReadonlyMap<string, MetricMetadata>
}

/**
 * Parses exposition text; throws the {@link ExpositionError} of the first malformed line.
 *
 * @example
 * parseExposition('# TYPE up gauge\nup{job="api"} 1\n', 'prometheus').samples
 * // [{ labels: { __name__: 'up', job: 'api' }, value: 1 }]
 */
export function parseExposition(text: string, format: ExpositionFormat): ParsedExposition {
  const result = new ExpositionParser().parse(text, format)
  if (!result.ok) throw result.error

  const { scrape } = result
  const samples: ExposedSample[] = []
  for (let i = 0; i < scrape.sampleCount; i++) {
    const timestampMs = scrape.timestampsMs[i]!
    const labels = scrape.series[i]!.labels
    const value = scrape.values[i]!
    samples.push(Number.isNaN(timestampMs) ? { labels, value } : { labels, value, timestampMs })
  }

  return { samples, metadata: scrape.metadata }
}
