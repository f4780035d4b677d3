import { existsSync, mkdtempSync, readFileSync, rmSync, appendFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
// A real Rampart: the platform's own app with its audit ingestion, on SQLite in a temp dir.
import { createApp } from '../../../server/src/app.js'
import type { App } from '../../../server/src/app.js'
import { configSchema } from '../../../server/src/config/schema.js'
import { captureLog as captureServerLog } from '../../../server/src/test-support/log-capture.js'
import { RampartCore } from '../rampart.js'
import { captureLog } from '../test-support/log-capture.js'

const ingestToken = 'ingest-token-0123456789'
const readToken = 'read-token-0123456789ab'
const directory = mkdtempSync(join(tmpdir(), 'rampart-sdk-audit-'))
const spillFile = join(directory, 'service', 'audit-spill.jsonl')

async function startRampart(port: number): Promise<{ app: App; url: string }> {
  const config = configSchema.parse({
    data_dir: join(directory, 'rampart'),
    server: { port, host: '127.0.0.1' },
    audit: { ingest_token: ingestToken, read_token: readToken },
  })
  const app = await createApp({ config, logger: captureServerLog().logger })
  return { app, url: await app.start() }
}

function service(url: string) {
  const log = captureLog()
  const core = new RampartCore({
    url,
    service: 'shop',
    audience: 'shop-api',
    logger: { level: 'debug', destination: log.destination },
    defaultMetrics: false,
    audit: { token: ingestToken, spillFile, flushIntervalMs: 50, maxBackoffMs: 200 },
  })
  return { core, log }
}

async function storedEvents(url: string): Promise<Record<string, any>[]> {
  const response = await fetch(`${url}/v1/audit/events?type=order.&limit=1000`, {
    headers: { authorization: `Bearer ${readToken}` },
  })
  expect(response.status).toBe(200)
  return ((await response.json()) as { events: Record<string, any>[] }).events
}

const order = (n: number) => ({
  type: 'order.created',
  action: 'create',
  outcome: { status: 'success' as const },
  target: { type: 'order', id: String(n) },
  fields: { n },
})

afterAll(() => rmSync(directory, { recursive: true, force: true }))

describe('audit emitter against a real Rampart', () => {
  it('delivers every event exactly once across a Rampart outage and a service restart', async () => {
    let rampart = await startRampart(0)
    const port = Number(new URL(rampart.url).port)
    let sdk = service(rampart.url)

    for (let n = 0; n < 5; n++) sdk.core.audit(order(n))
    sdk.core.dataAccess({
      dataClass: 'pii',
      operation: 'export',
      recordCount: 3,
      purpose: 'support',
    })
    await sdk.core.flushAudit()
    await sdk.core.flushAudit()
    expect((await storedEvents(rampart.url)).length).toBe(5)

    // Rampart goes down: events are spilled to disk, then the service itself restarts.
    await rampart.app.stop()
    for (let n = 5; n < 10; n++) sdk.core.audit(order(n))
    await sdk.core.flushAudit()
    await sdk.core.close()
    expect(existsSync(spillFile)).toBe(true)
    const spilled = readFileSync(spillFile, 'utf8')
    expect(spilled.trim().split('\n')).toHaveLength(5)
    expect(spilled).not.toContain(ingestToken)
    expect(
      sdk.log.lines().some((line) => line.msg?.toString().startsWith('audit delivery failed')),
    ).toBe(true)

    sdk = service(rampart.url)
    for (let n = 10; n < 15; n++) sdk.core.audit(order(n))
    rampart = await startRampart(port)

    const deadline = Date.now() + 10_000
    let stored = await storedEvents(rampart.url)
    while (stored.length < 15 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      stored = await storedEvents(rampart.url)
    }
    const numbers = stored.map((event) => event.fields.n as number).sort((a, b) => a - b)
    expect(numbers).toEqual([...Array(15).keys()])
    // Rampart stores a batch before the emitter trims it from the file: let that finish.
    await sdk.core.flushAudit()
    expect(existsSync(spillFile)).toBe(false)

    // A crash after a batch arrived but before the file was trimmed resends it: the
    // idempotency keys make the resend harmless.
    await sdk.core.close()
    appendFileSync(spillFile, spilled)
    sdk = service(rampart.url)
    await sdk.core.flushAudit()
    await sdk.core.flushAudit()
    expect(existsSync(spillFile)).toBe(false)
    expect((await storedEvents(rampart.url)).length).toBe(15)

    const access = await fetch(`${rampart.url}/v1/audit/events?type=data.accessed`, {
      headers: { authorization: `Bearer ${readToken}` },
    })
    const [accessEvent] = ((await access.json()) as { events: Record<string, any>[] }).events
    expect(accessEvent).toMatchObject({
      action: 'export',
      dataClasses: ['pii'],
      actor: { type: 'service', id: 'shop' },
      fields: { recordCount: 3, purpose: 'support' },
    })

    await sdk.core.close()
    await rampart.app.stop()
  })

  it('refuses audit() when not configured, and a short token at construction', () => {
    const core = new RampartCore({
      url: 'http://127.0.0.1:1',
      service: 's',
      audience: 'a',
      defaultMetrics: false,
    })
    expect(() => core.audit(order(1))).toThrow('rampart.audit() needs the audit option')
    expect(
      () =>
        new RampartCore({
          url: 'http://127.0.0.1:1',
          service: 's',
          audience: 'a',
          audit: { token: 'short' },
        }),
    ).toThrow('audit.token must be the ingest token')
  })
})
