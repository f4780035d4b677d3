/**
 * Alertmanager's routing tree: an alert walks down from the root into the first child whose
 * matchers hold (and on to later siblings when a matching child says `continue`); the
 * deepest matching routes decide the receiver, the grouping and the timers.
 */
import type { RouteConfig } from '../config.js'
import type { AlertLabels, Matcher } from './matchers.js'
import { formatMatchers, matchesAll } from './matchers.js'

export interface Route {
  /** `0`, `0.1`, `0.1.0`: the route's place in the tree, part of its groups' keys. */
  readonly id: string
  /** Alertmanager's route key: `{}` for the root, `{}/{team="db"}` below it. */
  readonly key: string
  readonly receiver: string
  readonly matchers: readonly Matcher[]
  /** Labels to group by; undefined with `...` (every label: one group per alert). */
  readonly groupBy: readonly string[] | undefined
  readonly continue: boolean
  readonly groupWaitMs: number
  readonly groupIntervalMs: number
  readonly repeatIntervalMs: number
  readonly muteTimeIntervals: readonly string[]
  readonly activeTimeIntervals: readonly string[]
  readonly routes: readonly Route[]
}

const defaults = { groupWaitMs: 30_000, groupIntervalMs: 300_000, repeatIntervalMs: 4 * 3_600_000 }

function legacyMatchers(config: RouteConfig): Matcher[] {
  return [
    ...Object.entries(config.match).map(([name, value]) => ({ name, type: '=' as const, value })),
    ...Object.entries(config.match_re).map(([name, value]) => ({
      name,
      type: '=~' as const,
      value,
    })),
  ]
}

/** Builds the tree; children inherit receiver, grouping and timers they do not set. */
export function buildRouteTree(config: RouteConfig, parent?: Route, id = '0'): Route {
  const groupBy =
    config.group_by === undefined
      ? parent === undefined
        ? []
        : parent.groupBy
      : config.group_by.includes('...')
        ? undefined
        : config.group_by
  const matchers = [...config.matchers, ...legacyMatchers(config)]
  const base = {
    id,
    key: parent === undefined ? '{}' : `${parent.key}/${formatMatchers(matchers)}`,
    receiver: config.receiver ?? parent?.receiver ?? '',
    matchers,
    groupBy,
    continue: config.continue,
    groupWaitMs: config.group_wait ?? parent?.groupWaitMs ?? defaults.groupWaitMs,
    groupIntervalMs: config.group_interval ?? parent?.groupIntervalMs ?? defaults.groupIntervalMs,
    repeatIntervalMs:
      config.repeat_interval ?? parent?.repeatIntervalMs ?? defaults.repeatIntervalMs,
    muteTimeIntervals: config.mute_time_intervals,
    activeTimeIntervals: config.active_time_intervals,
    routes: [] as Route[],
  }
  config.routes.forEach((child, index) =>
    base.routes.push(buildRouteTree(child, base, `${id}.${index}`)),
  )
  return base
}

/** The routes an alert goes to: the deepest matches, in order; the root when none deeper. */
export function matchRoutes(route: Route, labels: AlertLabels): Route[] {
  if (!matchesAll(route.matchers, labels)) return []
  const found: Route[] = []
  for (const child of route.routes) {
    const matched = matchRoutes(child, labels)
    found.push(...matched)
    if (matched.length > 0 && !child.continue) break
  }
  return found.length > 0 ? found : [route]
}

/** The labels an alert is grouped by on a route. */
export function groupLabelsOf(route: Route, labels: AlertLabels): Record<string, string> {
  if (route.groupBy === undefined) return { ...labels }
  const out: Record<string, string> = {}
  for (const name of route.groupBy) {
    const value = labels[name]
    if (value !== undefined && value !== '') out[name] = value
  }
  return out
}
