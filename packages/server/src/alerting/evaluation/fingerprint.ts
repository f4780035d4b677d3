import { createHash } from 'node:crypto'
import type { Labels } from '@rampart/promql'

/** Labels sorted by name into one stable text. */
export function labelsKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((name) => `${name}\u0000${labels[name] ?? ''}`)
    .join('\u0001')
}

/** A 16-hex-digit identity of a label set, like Alertmanager's alert fingerprints. */
export function fingerprint(labels: Labels): string {
  return createHash('sha256').update(labelsKey(labels)).digest('hex').slice(0, 16)
}
