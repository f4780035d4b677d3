/**
 * Label-set helpers: a canonical key per label set and label sets in canonical form.
 */

import type { Labels } from '../model/series.js'

/** Ends a name in a key; label names never contain it. Values carry their length instead. */
const SEPARATOR = '\u0000'

/**
 * The canonical form of a label set: names sorted, empty values dropped (an empty value means
 * the label is absent), frozen.
 */
export function canonicalLabels(labels: Labels): Labels {
  const names = Object.keys(labels).sort()
  const result: Record<string, string> = {}
  for (const name of names) {
    const value = labels[name]
    if (value === undefined || value === '') continue
    setLabel(result, name, value)
  }

  return Object.freeze(result)
}

/** A string identifying the label set; equal for equal sets whatever their key order. */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort()
  let key = ''
  for (const name of names) {
    const value = labels[name]
    if (value === undefined || value === '') continue
    key += name + SEPARATOR + String(value.length) + SEPARATOR + value
  }

  return key
}

/** Sets a label, including one named `__proto__`, which plain assignment would swallow. */
export function setLabel(target: Record<string, string>, name: string, value: string): void {
  if (name === '__proto__') {
    Object.defineProperty(target, name, { value, enumerable: true, writable: true })
    return
  }

  target[name] = value
}
