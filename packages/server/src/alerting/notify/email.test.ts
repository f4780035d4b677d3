import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { afterEach, beforeAll, expect, it } from 'vitest'
import { describeEachDialect } from '../../test-support/stores.js'
import type { Harness } from '../test-harness.js'
import { createHarness } from '../test-harness.js'
import type { SmtpReceiver, SmtpReceiverOptions } from './test-smtp-server.js'
import { startSmtpReceiver } from './test-smtp-server.js'

const diskRules = `
groups:
- name: g
  rules:
  - alert: DiskFull
    expr: disk_used > 0.9
    annotations: {summary: "{{ $labels.host }} disk at {{ $value | humanizePercentage }}"}
`

const alwaysRules = `
groups:
- name: g
  rules:
  - alert: Always
    expr: vector(1)
`

const password = 'smtp-password-never-logged'

interface AttemptView {
  outcome: string
  statusCode: number | null
  error: string | null
}

async function notificationsJson(h: Harness, status = ''): Promise<string> {
  const server = Fastify()
  await h.module.registerRoutes?.(server)
  const response = await server.inject({
    url: `/v1/alerting/notifications${status === '' ? '' : `?status=${status}`}`,
    headers: { authorization: 'Bearer alerting-token-0123456789' },
  })
  await server.close()
  return response.body
}

function attemptsOf(json: string): [string, number | null][][] {
  const { notifications } = JSON.parse(json) as { notifications: { attempts: AttemptView[] }[] }
  return notifications.map((item) => item.attempts.map((a) => [a.outcome, a.statusCode]))
}

/** A throwaway self-signed certificate for 127.0.0.1, made with the openssl command. */
function makeCertificate(): { key: string; cert: string; certFile: string } {
  const directory = mkdtempSync(join(tmpdir(), 'rampart-smtp-tls-'))
  const keyFile = join(directory, 'key.pem')
  const certFile = join(directory, 'cert.pem')
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  )
  return { key: readFileSync(keyFile, 'utf8'), cert: readFileSync(certFile, 'utf8'), certFile }
}

let certificate: { key: string; cert: string; certFile: string }
beforeAll(() => {
  certificate = makeCertificate()
})

describeEachDialect('email receivers', (dialect) => {
  let harness: Harness | undefined
  let smtp: SmtpReceiver | undefined
  afterEach(async () => {
    await harness?.dispose()
    await smtp?.close()
  })

  const setup = async (
    rules: string,
    emailConfig: Record<string, unknown> = {},
    server: SmtpReceiverOptions = {},
  ) => {
    smtp = await startSmtpReceiver({ credentials: { username: 'alerts', password }, ...server })
    const passwordFile = join(mkdtempSync(join(tmpdir(), 'rampart-smtp-')), 'password')
    writeFileSync(passwordFile, `${password}\n`)
    const smarthost = smtp.smarthost
    harness = await createHarness(dialect, rules, () => ({
      route: { receiver: 'mail', group_by: ['alertname'], group_wait: '10s', group_interval: '1m' },
      receivers: [
        {
          name: 'mail',
          email_configs: [
            {
              to: 'ops@example.org, "Oncall, DB" <db@example.org>',
              from: 'rampart@example.org',
              smarthost,
              auth_username: 'alerts',
              auth_password_file: passwordFile,
              require_tls: false,
              headers: { 'X-Team': 'storage', subject: 'Disk: {{ .Status }} {{ len .Alerts }}' },
              send_resolved: true,
              timeout: '2s',
              ...emailConfig,
            },
          ],
        },
      ],
    }))
    return { h: harness, smtp }
  }

  it('mails firing then resolved, HTML-escaped, and never shows the password', async () => {
    const { h, smtp } = await setup(diskRules)
    const start = h.clock.now()
    const appender = h.metrics.appender()
    const ref = appender.seriesRef({ __name__: 'disk_used', host: 'db<1>' })
    for (let t = 0; t <= 5 * 60_000; t += 15_000) {
      appender.append(ref, start + t, t < 2 * 60_000 ? 0.95 : 0.5)
    }
    appender.commit()
    for (let t = 0; t <= 4 * 60_000; t += 5_000) {
      h.clock.set(start + t)
      await h.step()
    }

    expect(smtp.received).toHaveLength(2)
    const [firing, resolved] = smtp.received
    expect(firing?.mailFrom).toBe('rampart@example.org')
    expect(firing?.recipients).toEqual(['ops@example.org', 'db@example.org'])
    expect(firing?.user).toBe('alerts')
    expect(firing?.headers.get('subject')).toBe('Disk: firing 1')
    expect(firing?.headers.get('x-team')).toBe('storage')
    expect(firing?.headers.get('to')).toContain('db@example.org')
    expect(firing?.body).toContain('[FIRING] DiskFull')
    expect(firing?.body).toContain('summary: db<1> disk at 95%')
    expect(firing?.body).toContain('<li>summary: db&lt;1&gt; disk at 95%</li>')
    expect(resolved?.headers.get('subject')).toBe('Disk: resolved 1')
    expect(resolved?.body).toContain('[RESOLVED] DiskFull')
    expect(smtp.logins).toEqual([
      { username: 'alerts', password },
      { username: 'alerts', password },
    ])

    const stored = await notificationsJson(h)
    expect(attemptsOf(stored)).toEqual([[['delivered', 250]], [['delivered', 250]]])
    expect(stored).not.toContain(password)
    expect(JSON.stringify(h.events)).not.toContain(password)
    expect(h.logText()).not.toContain(password)
    expect(h.events.filter((e) => e.type === 'alerting.notification.attempted')).toHaveLength(2)
  })

  it('retries after a temporary SMTP failure (451) and records every attempt', async () => {
    const { h, smtp } = await setup(alwaysRules)
    smtp.answers.push(451)
    await h.step()
    h.clock.advance(10_000)
    await h.step()
    expect(smtp.received).toHaveLength(0)
    for (let round = 0; round < 4 && smtp.received.length === 0; round++) {
      h.clock.advance(2_000)
      await h.worker.runDue()
    }
    expect(smtp.received).toHaveLength(1)
    expect(smtp.received[0]?.headers.get('subject')).toBe('Disk: firing 1')
    const delivered = await notificationsJson(h, 'delivered')
    expect(attemptsOf(delivered)).toEqual([
      [
        ['retry', 451],
        ['delivered', 250],
      ],
    ])
    const events = h.events.filter((e) => e.type === 'alerting.notification.attempted')
    expect(events.map((e) => e.outcome.status)).toEqual(['failure', 'success'])
  })

  it('dead-letters a permanent SMTP rejection (550) without retrying', async () => {
    const { h, smtp } = await setup(alwaysRules)
    smtp.answers.push(550, 550)
    await h.step()
    h.clock.advance(10_000)
    await h.step()
    h.clock.advance(60_000)
    await h.worker.runDue()
    expect(smtp.answers).toEqual([550])
    const dead = await notificationsJson(h, 'dead')
    expect(attemptsOf(dead)).toEqual([[['dead', 550]]])
    const { notifications } = JSON.parse(dead) as { notifications: { lastError: string }[] }
    expect(notifications[0]?.lastError).toContain('550')
  })

  it('shows headers.To and headers.From while sending to the configured addresses', async () => {
    const { h, smtp } = await setup(alwaysRules, {
      headers: { to: 'Ops list <ops-list@example.org>', From: 'Rampart <noreply@example.org>' },
    })
    await h.step()
    h.clock.advance(10_000)
    await h.step()
    const [mail] = smtp.received
    expect(mail?.recipients).toEqual(['ops@example.org', 'db@example.org'])
    expect(mail?.mailFrom).toBe('rampart@example.org')
    expect(mail?.headers.get('to')).toBe('Ops list <ops-list@example.org>')
    expect(mail?.headers.get('from')).toBe('Rampart <noreply@example.org>')
  })

  it('sends over STARTTLS when require_tls is set, checking the certificate', async () => {
    const { h, smtp } = await setup(
      alwaysRules,
      { require_tls: true, tls_config: { ca_file: certificate.certFile } },
      { tls: certificate },
    )
    await h.step()
    h.clock.advance(10_000)
    await h.step()
    expect(smtp.received.map((mail) => [mail.secure, mail.user])).toEqual([[true, 'alerts']])
  })

  it('dead-letters rather than send in the clear when the server lacks STARTTLS', async () => {
    const { h, smtp } = await setup(alwaysRules, { require_tls: true })
    await h.step()
    h.clock.advance(10_000)
    await h.step()
    expect(smtp.received).toEqual([])
    expect(smtp.logins).toEqual([])
    // The server answers STARTTLS with 500: a setup that retrying cannot mend.
    const dead = JSON.parse(await notificationsJson(h, 'dead')) as {
      notifications: { attempts: AttemptView[] }[]
    }
    expect(dead.notifications[0]?.attempts).toEqual([
      expect.objectContaining({ outcome: 'dead', error: expect.stringContaining('STARTTLS') }),
    ])
  })

  it('keeps retrying while the smarthost refuses connections', async () => {
    const { h, smtp } = await setup(alwaysRules, { smarthost: '127.0.0.1:1' })
    await h.step()
    h.clock.advance(10_000)
    await h.step()
    expect(smtp.received).toHaveLength(0)
    const pending = await notificationsJson(h, 'pending')
    const [attempts] = attemptsOf(pending)
    expect(attempts).toEqual([['retry', null]])
  })
})
