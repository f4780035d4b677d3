/**
 * Inhibition: a firing alert matching an inhibit rule's source matchers mutes alerts that
 * match its target matchers and agree with it on every `equal` label.
 */
import type { InhibitRuleConfig } from '../config.js'
import type { AlertLabels } from './matchers.js'
import { matchesAll } from './matchers.js'

export interface InhibitCandidate {
  readonly fingerprint: string
  readonly labels: AlertLabels
}

/** The fingerprints of the `firing` alerts muted by another firing alert. */
export function inhibitedAlerts(
  rules: readonly InhibitRuleConfig[],
  firing: readonly InhibitCandidate[],
): Set<string> {
  const muted = new Set<string>()
  for (const rule of rules) {
    const sources = firing.filter((alert) => matchesAll(rule.source_matchers, alert.labels))
    if (sources.length === 0) continue
    const keys = new Set(
      sources.map((alert) => rule.equal.map((name) => alert.labels[name] ?? '').join('\u0000')),
    )
    for (const target of firing) {
      if (!matchesAll(rule.target_matchers, target.labels)) continue
      // An alert matching both sides does not inhibit itself.
      if (matchesAll(rule.source_matchers, target.labels)) continue
      const key = rule.equal.map((name) => target.labels[name] ?? '').join('\u0000')
      if (keys.has(key)) muted.add(target.fingerprint)
    }
  }
  return muted
}
