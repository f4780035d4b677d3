/**
 * The Alertmanager API v2 subset amtool and Grafana use: alerts (list, post), silences
 * (list, create or update, get, expire), status and receivers, in Alertmanager's shapes.
 */
import type { FastifyInstance } from 'fastify'
import { z } from 'zod'
import { RampartError } from '../../platform/errors.js'
import { fingerprint } from '../evaluation/fingerprint.js'
import type { RoutedAlert } from '../evaluation/rule-manager.js'
import type { AlertStore } from '../routing/alert-store.js'
import { inhibitedAlerts } from '../routing/inhibit.js'
import type { Matcher } from '../routing/matchers.js'
import { matchesAll, parseMatchers } from '../routing/matchers.js'
import type { Route } from '../routing/route-tree.js'
import { matchRoutes } from '../routing/route-tree.js'
import type { Silence, SilenceStore } from '../silences/silence-store.js'
import { silencedBy, silenceState } from '../silences/silence-store.js'
import type { AlertingConfig } from '../config.js'
import type { Clock } from '../../platform/clock.js'
import { version } from '../../version.js'

export interface AlertmanagerApiDeps {
  readonly silences: SilenceStore
  readonly alerts: AlertStore
  readonly clock: Clock
  readonly config: AlertingConfig
  readonly route: Route
  readonly startedAtMs: number
  /** Wakes the dispatcher after alerts were posted. */
  readonly onAlertsPosted: () => void
}

const apiMatcher = z.object({
  name: z.string().min(1),
  value: z.string(),
  isRegex: z.boolean(),
  isEqual: z.boolean().default(true),
})

const postableSilence = z.object({
  id: z.string().optional(),
  matchers: z.array(apiMatcher).min(1),
  startsAt: z.iso.datetime({ offset: true }),
  endsAt: z.iso.datetime({ offset: true }),
  createdBy: z.string().min(1),
  comment: z.string().min(1),
})

const postableAlert = z.object({
  labels: z.record(z.string(), z.string()),
  annotations: z.record(z.string(), z.string()).default({}),
  startsAt: z.iso.datetime({ offset: true }).optional(),
  endsAt: z.iso.datetime({ offset: true }).optional(),
  generatorURL: z.string().default(''),
})

/** Alerts posted without an end are resolved after this, unless posted again. */
const resolveTimeoutMs = 5 * 60_000

function toMatcher(item: z.output<typeof apiMatcher>): Matcher {
  const type = item.isRegex ? (item.isEqual ? '=~' : '!~') : item.isEqual ? '=' : '!='
  return { name: item.name, type, value: item.value }
}

function silenceJson(silence: Silence, nowMs: number): Record<string, unknown> {
  return {
    id: silence.id,
    matchers: silence.matchers.map((matcher) => ({
      name: matcher.name,
      value: matcher.value,
      isRegex: matcher.type === '=~' || matcher.type === '!~',
      isEqual: matcher.type === '=' || matcher.type === '=~',
    })),
    startsAt: new Date(silence.startsAtMs).toISOString(),
    endsAt: new Date(silence.endsAtMs).toISOString(),
    updatedAt: new Date(silence.updatedAtMs).toISOString(),
    createdBy: silence.createdBy,
    comment: silence.comment,
    status: { state: silenceState(silence, nowMs) },
  }
}

function invalid(error: z.ZodError): RampartError {
  return new RampartError('validation_failed', 'the request body is invalid', {
    errors: error.issues.map((issue) => ({ field: issue.path.join('.'), message: issue.message })),
  })
}

function filterOf(query: unknown): Matcher[] {
  const raw = (query as Record<string, unknown>).filter
  const items =
    raw === undefined
      ? []
      : Array.isArray(raw)
        ? raw.map(String)
        : typeof raw === 'string'
          ? [raw]
          : []
  try {
    return parseMatchers(items)
  } catch (error) {
    throw new RampartError('alerting_matcher_invalid', `filter: ${(error as Error).message}`)
  }
}

/** Registers the routes on a scope prefixed with `/alertmanager/api/v2`. */
export function registerAlertmanagerRoutes(
  scope: FastifyInstance,
  deps: AlertmanagerApiDeps,
): void {
  const { silences, clock } = deps

  scope.get('/status', () => ({
    cluster: { name: 'rampart', status: 'ready', peers: [] },
    versionInfo: { version, branch: '', revision: '', buildUser: '', buildDate: '', goVersion: '' },
    config: { original: '' },
    uptime: new Date(deps.startedAtMs).toISOString(),
  }))

  scope.get('/receivers', () => deps.config.receivers.map((receiver) => ({ name: receiver.name })))

  scope.get('/silences', async (request) => {
    const filter = filterOf(request.query)
    const now = clock.now()
    const all = await silences.list()
    return all
      .filter((silence) =>
        filter.every((wanted) =>
          silence.matchers.some(
            (matcher) =>
              matcher.name === wanted.name &&
              matchesAll([wanted], { [wanted.name]: matcher.value }),
          ),
        ),
      )
      .map((silence) => silenceJson(silence, now))
  })

  scope.post('/silences', async (request) => {
    const parsed = postableSilence.safeParse(request.body)
    if (!parsed.success) throw invalid(parsed.error)
    const body = parsed.data
    const silence = await silences.upsert({
      id: body.id === '' ? undefined : body.id,
      matchers: body.matchers.map(toMatcher),
      startsAtMs: Date.parse(body.startsAt),
      endsAtMs: Date.parse(body.endsAt),
      createdBy: body.createdBy,
      comment: body.comment,
    })
    return { silenceID: silence.id }
  })

  scope.get('/silence/:id', async (request) => {
    const { id } = request.params as { id: string }
    const silence = await silences.get(id)
    if (silence === undefined)
      throw new RampartError('alerting_silence_not_found', `silence ${id} not found`)
    return silenceJson(silence, clock.now())
  })

  scope.delete('/silence/:id', async (request, reply) => {
    const { id } = request.params as { id: string }
    await silences.expire(id)
    return reply.status(200).send()
  })

  // Without a configured tree nothing is routed, so no receiver is named (the default root
  // stands in for one only so the dispatcher has a tree).
  const receiversOf = (labels: Readonly<Record<string, string>>): { name: string }[] =>
    deps.config.route === undefined
      ? []
      : [...new Set(matchRoutes(deps.route, labels).map((route) => route.receiver))].map(
          (name) => ({ name }),
        )

  scope.get('/alerts', async (request) => {
    const filter = filterOf(request.query)
    const now = clock.now()
    const firing = (await deps.alerts.list()).filter((alert) => alert.endsAtMs > now)
    const active = await silences.active()
    const inhibited = inhibitedAlerts(deps.config.inhibit_rules, firing)
    return firing
      .filter((alert) => matchesAll(filter, alert.labels))
      .map((alert) => {
        const silencedIds = silencedBy(active, alert.labels)
        const suppressed = silencedIds.length > 0 || inhibited.has(alert.fingerprint)
        return {
          labels: alert.labels,
          annotations: alert.annotations,
          startsAt: new Date(alert.startsAtMs).toISOString(),
          endsAt: new Date(alert.endsAtMs).toISOString(),
          updatedAt: new Date(now).toISOString(),
          generatorURL: alert.generatorUrl,
          fingerprint: alert.fingerprint,
          receivers: receiversOf(alert.labels),
          status: {
            state: suppressed ? 'suppressed' : 'active',
            silencedBy: silencedIds,
            inhibitedBy: [],
            mutedBy: [],
          },
        }
      })
  })

  scope.post('/alerts', async (request, reply) => {
    const parsed = z.array(postableAlert).safeParse(request.body)
    if (!parsed.success) throw invalid(parsed.error)
    const now = clock.now()
    const alerts: RoutedAlert[] = parsed.data.map((item) => {
      const startsAtMs = item.startsAt === undefined ? now : Date.parse(item.startsAt)
      return {
        fingerprint: fingerprint(item.labels),
        labels: item.labels,
        annotations: item.annotations,
        startsAtMs,
        endsAtMs: item.endsAt === undefined ? now + resolveTimeoutMs : Date.parse(item.endsAt),
        generatorUrl: item.generatorURL,
      }
    })
    await deps.alerts.upsert(alerts, 'api')
    deps.onAlertsPosted()
    return reply.status(200).send()
  })
}
