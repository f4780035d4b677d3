import { describe, expect, it } from 'vitest'
import { alertingConfigSchema } from '../config.js'
import { inhibitedAlerts } from './inhibit.js'
import { matchesAll, parseMatchers } from './matchers.js'
import { buildRouteTree, groupLabelsOf, matchRoutes } from './route-tree.js'
import { silencedBy } from '../silences/silence-store.js'
import { inTimeInterval } from './time-intervals.js'

describe('matchers', () => {
  it.each([
    ['severity="critical"', { severity: 'critical' }, true],
    ['severity=critical', { severity: 'warning' }, false],
    ['team=~"db|infra"', { team: 'infra' }, true],
    ['team=~"db"', { team: 'dbx' }, false],
    ['env!="dev"', {}, true],
    ['env!~"dev|test"', { env: 'test' }, false],
    ['{a="x,y", b!=""}', { a: 'x,y', b: '1' }, true],
  ])('%s on %j is %s', (text, labels, expected) => {
    expect(matchesAll(parseMatchers([text]), labels)).toBe(expected)
  })

  it.each([
    ['no-operator', 'bad matcher format: no-operator'],
    ['a=~"("', 'matcher a=~"(": invalid regular expression'],
    ['a=~"(?=x)a"', 'matcher a=~"(?=x)a": invalid regular expression'],
    ['a=~"(x)\\\\1"', 'invalid regular expression'],
  ])('rejects %s', (text, message) => {
    expect(() => parseMatchers([text])).toThrow(message)
  })

  it('matches a pathological regex in linear time, anchored at both ends', () => {
    // A backtracking engine needs about 20 s for 18 a's here, doubling with each extra a.
    const [matcher] = parseMatchers(['x=~"((a+)+)+b"'])
    const started = Date.now()
    expect(matchesAll([matcher!], { x: 'a'.repeat(18) })).toBe(false)
    expect(matchesAll([matcher!], { x: `${'a'.repeat(10_000)}b` })).toBe(true)
    expect(matchesAll([matcher!], { x: 'aabc' })).toBe(false)
    expect(Date.now() - started).toBeLessThan(5_000)
  })

  it('rejects a route whose match_re is not RE2 syntax at load', () => {
    const result = alertingConfigSchema.safeParse({
      route: { receiver: 'x', match_re: { job: '(?!api)' } },
      receivers: [{ name: 'x' }],
    })
    expect(result.error?.issues).toMatchObject([
      {
        path: ['route', 'match_re', 'job'],
        message: expect.stringContaining('invalid regular expression'),
      },
    ])
  })

  it('lets a stored silence with a bad regex mute nothing instead of failing', () => {
    const silence = (id: string, value: string) => ({
      id,
      matchers: [{ name: 'job', type: '=~' as const, value }],
      startsAtMs: 0,
      endsAtMs: 1,
      createdBy: 'ops',
      comment: '',
      updatedAtMs: 0,
    })
    const silences = [
      silence('broken', 'api-(1'),
      silence('lookahead', '(?=api)api-1'),
      silence('fine', 'api-.*'),
    ]
    expect(silencedBy(silences, { job: 'api-1' })).toEqual(['fine'])
  })
})

const config = alertingConfigSchema.parse({
  route: {
    receiver: 'default',
    group_by: ['alertname'],
    group_wait: '10s',
    routes: [
      { matchers: ['team="db"'], receiver: 'db', continue: true, group_by: ['...'] },
      { matchers: ['severity=~"page|critical"'], receiver: 'pager', repeat_interval: '1h' },
      { match: { severity: 'info' }, receiver: 'tickets' },
    ],
  },
  receivers: [{ name: 'default' }, { name: 'db' }, { name: 'pager' }, { name: 'tickets' }],
})

describe('route tree', () => {
  const tree = buildRouteTree(config.route!)
  it.each([
    [{ alertname: 'A', team: 'db', severity: 'page' }, ['db', 'pager']],
    [{ alertname: 'A', team: 'web', severity: 'critical' }, ['pager']],
    [{ alertname: 'A', severity: 'info' }, ['tickets']],
    [{ alertname: 'A' }, ['default']],
  ])('routes %j to %j', (labels, receivers) => {
    expect(matchRoutes(tree, labels).map((route) => route.receiver)).toEqual(receivers)
  })

  it('inherits timers and grouping, and groups by every label with ...', () => {
    const [db, pager] = tree.routes
    expect([db?.groupWaitMs, pager?.groupWaitMs, pager?.repeatIntervalMs]).toEqual([
      10_000, 10_000, 3_600_000,
    ])
    expect(groupLabelsOf(pager!, { alertname: 'A', x: '1' })).toEqual({ alertname: 'A' })
    expect(groupLabelsOf(db!, { alertname: 'A', x: '1' })).toEqual({ alertname: 'A', x: '1' })
    expect(db?.key).toBe('{}/{team="db"}')
  })

  it('rejects routes to undefined receivers and time intervals', () => {
    const result = alertingConfigSchema.safeParse({
      route: { receiver: 'x', mute_time_intervals: ['nights'] },
      receivers: [],
    })
    expect(result.error?.issues.map((issue) => issue.message)).toEqual([
      'undefined receiver "x"',
      'undefined time interval "nights"',
    ])
  })
})

describe('time intervals', () => {
  const weekdayNights = [
    { weekdays: ['monday:friday'], times: [{ start_time: '22:00', end_time: '24:00' }] },
  ]
  it.each([
    ['2026-01-05T23:00:00Z', true], // Monday 23:00
    ['2026-01-05T21:59:00Z', false],
    ['2026-01-10T23:00:00Z', false], // Saturday
  ])('weekday nights contain %s: %s', (time, expected) => {
    expect(inTimeInterval(weekdayNights, Date.parse(time))).toBe(expected)
  })

  it('reads months, negative days of month and locations', () => {
    const lastDays = [{ days_of_month: ['-2:-1'], months: ['january'] }]
    expect(inTimeInterval(lastDays, Date.parse('2026-01-31T12:00:00Z'))).toBe(true)
    expect(inTimeInterval(lastDays, Date.parse('2026-01-29T12:00:00Z'))).toBe(false)
    const berlinMorning = [
      { times: [{ start_time: '08:00', end_time: '09:00' }], location: 'Europe/Berlin' },
    ]
    expect(inTimeInterval(berlinMorning, Date.parse('2026-01-05T07:30:00Z'))).toBe(true)
  })
})

describe('inhibition', () => {
  it('mutes targets that agree with a firing source on the equal labels', () => {
    const [rule] = alertingConfigSchema.parse({
      inhibit_rules: [
        {
          source_matchers: ['severity="critical"'],
          target_matchers: ['severity="warning"'],
          equal: ['cluster'],
        },
      ],
    }).inhibit_rules
    const alerts = [
      { fingerprint: 's', labels: { severity: 'critical', cluster: 'eu' } },
      { fingerprint: 't1', labels: { severity: 'warning', cluster: 'eu' } },
      { fingerprint: 't2', labels: { severity: 'warning', cluster: 'us' } },
    ]
    expect([...inhibitedAlerts([rule!], alerts)]).toEqual(['t1'])
  })
})
