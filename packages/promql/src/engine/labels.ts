/**
 * Label-set helpers: stable keys for hashing, name removal, and Prometheus's printing.
 */
import { METRIC_NAME } from '../model/series.js'
import type { Labels } from '../model/series.js'

const SEPARATOR = '\xff'

/** A string that is equal for equal label sets, whatever the key order. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort()
  let key = ''
  for (const name of names) key += name + SEPARATOR + (labels[name] ?? '') + SEPARATOR
  return key
}

/** The key of the values of `names` only (for `by`, `on`). */
export function keyOfIncluded(labels: Labels, names: readonly string[]): string {
  let key = ''
  for (const name of names) key += (labels[name] ?? '') + SEPARATOR
  return key
}

/** The key of every label except `names` (for `without`, `ignoring`). */
export function keyOfExcluded(labels: Labels, excluded: ReadonlySet<string>): string {
  const names = Object.keys(labels).sort()
  let key = ''
  for (const name of names) {
    if (!excluded.has(name)) key += name + SEPARATOR + (labels[name] ?? '') + SEPARATOR
  }
  return key
}

/** A copy of `labels` with only `names` (empty values left out). */
export function pickLabels(labels: Labels, names: readonly string[]): Labels {
  const out: Record<string, string> = {}
  for (const name of names) {
    const value = labels[name]
    if (value !== undefined && value !== '') out[name] = value
  }
  return out
}

/** A copy of `labels` without `names`. */
export function omitLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(labels)) {
    if (!names.has(name)) out[name] = value
  }
  return out
}

/**
 * A copy of `labels` without the metric name, and without the `__type__` and `__unit__`
 * labels that describe it (Prometheus's type-and-unit metadata labels go with the name).
 */
export function dropMetricName(labels: Labels): Labels {
  const { __type__: type, __unit__: unit } = labels
  if (labels[METRIC_NAME] === undefined && type === undefined && unit === undefined) return labels
  const out: Record<string, string> = { ...labels }
  delete out[METRIC_NAME]
  delete out.__type__
  delete out.__unit__
  return out
}

/** Prints labels as Prometheus does: `name{a="1", b="2"}`, labels sorted. */
export function formatLabels(labels: Labels): string {
  const name = labels[METRIC_NAME]
  const pairs = Object.keys(labels)
    .filter((label) => label !== METRIC_NAME)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label] ?? '')}`)
  return `${name ?? ''}{${pairs.join(', ')}}`
}

/** Prints labels with the name as a label too: `{__name__="x", a="1"}`. */
export function formatAllLabels(labels: Labels): string {
  const pairs = Object.keys(labels)
    .sort()
    .map((label) => `${label}=${JSON.stringify(labels[label] ?? '')}`)
  return `{${pairs.join(', ')}}`
}

/** Orders label sets as Prometheus sorts series: label by label, names then values. */
export function compareLabels(a: Labels, b: Labels): number {
  const aNames = Object.keys(a).sort()
  const bNames = Object.keys(b).sort()
  const length = Math.min(aNames.length, bNames.length)
  for (let index = 0; index < length; index++) {
    const aName = aNames[index] ?? ''
    const bName = bNames[index] ?? ''
    if (aName !== bName) return aName < bName ? -1 : 1
    const aValue = a[aName] ?? ''
    const bValue = b[bName] ?? ''
    if (aValue !== bValue) return aValue < bValue ? -1 : 1
  }
  return aNames.length - bNames.length
}
