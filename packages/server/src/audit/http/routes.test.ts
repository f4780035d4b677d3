import { createPublicKey, verify } from 'node:crypto'

import { afterEach, expect, it } from 'vitest'

import { createTestApp } from '../../test-support/test-app.js'
import type { TestApp } from '../../test-support/test-app.js'
import { checkpointSigningBytes } from '../checkpoint.js'
import type { SignedCheckpoint } from '../checkpoint.js'
import { hashLeaf } from '../merkle.js'
import { verifyConsistency, verifyInclusion } from '../merkle-proofs.js'
import { sampleEvent } from '../log/fixture.js'
import { migrations } from '../../store/migrations/index.js'

const ingestToken = 'ingest-token-0123456789'
const readToken = 'read-token-0123456789ab'

let harness: TestApp | undefined
afterEach(() => harness?.dispose())

async function startApp(): Promise<TestApp> {
  harness = await createTestApp('sqlite', {
    audit: { ingest_token: ingestToken, read_token: readToken },
  })
  await harness.app.start()
  return harness
}

const hex = (value: string) => Buffer.from(value, 'hex')

it('records the platform start and publishes keys and checkpoints a stock Ed25519 verifies', async () => {
  const { app } = await startApp()
  await app.events.appendBatch([1, 2, 3, 4, 5].map((n) => sampleEvent(n, new Date().toISOString())))
  await app.events.checkpointNow()

  const keys = await app.server.inject({ url: '/v1/audit/keys' })
  const [key] = keys.json<{ keys: { spkiPem: string; keyId: string }[] }>().keys
  const listed = await app.server.inject({ url: '/v1/audit/checkpoints' })
  const checkpoints = listed.json<{ checkpoints: SignedCheckpoint[] }>().checkpoints
  const last = checkpoints.at(-1)!

  const publicKey = createPublicKey(key!.spkiPem)
  const signature = Buffer.from(last.signature, 'base64url')
  expect(verify(null, checkpointSigningBytes(last), publicKey, signature)).toBe(true)
  expect(last.keyId).toBe(key!.keyId)

  const types = await app.server.inject({
    url: '/v1/audit/events?type=platform.',
    headers: { authorization: `Bearer ${readToken}` },
  })
  expect(types.json<{ events: { type: string }[] }>().events.map((event) => event.type)).toEqual([
    'platform.config.loaded',
    'platform.master_key.generated',
    // One event per migration: every area adds its own.
    ...Object.keys(migrations).map(() => 'platform.migration.applied'),
    'platform.started',
  ])
})

it('serves inclusion and consistency proofs that verify against the tree heads', async () => {
  const { app } = await startApp()
  await app.events.appendBatch(
    Array.from({ length: 20 }, (_, n) => sampleEvent(n, new Date().toISOString())),
  )
  const head = await app.events.head()

  const inclusion = await app.server.inject({
    url: `/v1/audit/proofs/inclusion?seq=7&treeSize=${head.seq - 2}`,
  })
  const proof = inclusion.json<{ eventHash: string; rootHash: string; inclusionPath: string[] }>()
  expect(
    verifyInclusion(
      hashLeaf(hex(proof.eventHash)),
      6,
      head.seq - 2,
      proof.inclusionPath.map(hex),
      hex(proof.rootHash),
    ),
  ).toEqual({ valid: true })

  const consistency = await app.server.inject({
    url: `/v1/audit/proofs/consistency?from=5&to=${head.seq}`,
  })
  const body = consistency.json<{
    fromRootHash: string
    toRootHash: string
    consistencyPath: string[]
  }>()
  expect(
    verifyConsistency(
      5,
      head.seq,
      hex(body.fromRootHash),
      hex(body.toRootHash),
      body.consistencyPath.map(hex),
    ),
  ).toEqual({ valid: true })

  const beyond = await app.server.inject({ url: `/v1/audit/proofs/inclusion?seq=1&treeSize=999` })
  expect(beyond.statusCode).toBe(400)
  expect(beyond.json()).toMatchObject({ code: 'audit_range_invalid' })
})

it('ingests a batch with per-event results and deduplicates a resent key', async () => {
  const { app } = await startApp()
  const now = new Date().toISOString()
  const batch = {
    events: [
      { idempotencyKey: 'a', event: sampleEvent(1, now) },
      { idempotencyKey: 'b', event: { ...sampleEvent(2, now), extra: 1 } },
      { idempotencyKey: 'c', event: sampleEvent(3, '2999-01-01T00:00:00.000Z') },
      { idempotencyKey: 'a', event: sampleEvent(1, now) },
      { idempotencyKey: 'd', event: 'not an event' },
    ],
  }
  const headers = { authorization: `Bearer ${ingestToken}` }

  const first = await app.server.inject({
    method: 'POST',
    url: '/v1/audit/events',
    headers,
    payload: batch,
  })
  expect(first.statusCode).toBe(200)
  const body = first.json<{
    accepted: number
    results: { status: string; seq?: number; issues?: { code: string }[] }[]
  }>()
  expect(body.results.map((result) => result.status)).toEqual([
    'accepted',
    'rejected',
    'rejected',
    'duplicate',
    'rejected',
  ])
  expect(body.results[1]?.issues?.[0]?.code).toBe('unknown_field')
  expect(body.results[2]?.issues?.[0]?.code).toBe('future_timestamp')
  const seq = body.results[0]?.seq

  const again = await app.server.inject({
    method: 'POST',
    url: '/v1/audit/events',
    headers,
    payload: batch,
  })
  expect(again.json<{ results: unknown[] }>().results[0]).toEqual({ status: 'duplicate', seq })
})

it.each([
  ['GET', '/v1/audit/events', undefined, 'read_token is not configured'],
  ['POST', '/v1/audit/events', { events: [] }, 'ingest_token is not configured'],
])(
  'answers %s %s with 401 problem+json when its token is not configured',
  async (method, url, payload, detail) => {
    harness = await createTestApp('sqlite')
    const response = await harness.app.server.inject({ method: method as 'GET', url, payload })
    expect(response.statusCode).toBe(401)
    expect(response.headers['content-type']).toContain('application/problem+json')
    expect(response.json()).toMatchObject({ code: 'unauthorized' })
    expect(response.json<{ detail: string }>().detail).toContain(detail)
  },
)

it('pages events with an opaque cursor and exports them as CSV', async () => {
  const { app } = await startApp()
  await app.events.appendBatch(
    Array.from({ length: 7 }, (_, n) => sampleEvent(n, new Date().toISOString())),
  )
  const headers = { authorization: `Bearer ${readToken}` }

  const seen: number[] = []
  let cursor: string | undefined
  do {
    const query = `type=auth.login&limit=3${cursor === undefined ? '' : `&cursor=${cursor}`}`
    const page = await app.server.inject({ url: `/v1/audit/events?${query}`, headers })
    const body = page.json<{ events: { seq: number }[]; nextCursor?: string }>()
    seen.push(...body.events.map((event) => event.seq))
    cursor = body.nextCursor
  } while (cursor !== undefined)
  expect(seen).toHaveLength(7)
  expect([...seen].sort((a, b) => a - b)).toEqual(seen)

  const bad = await app.server.inject({ url: '/v1/audit/events?cursor=nope', headers })
  expect(bad.json()).toMatchObject({ status: 400, code: 'invalid_cursor' })

  const csv = await app.server.inject({
    url: '/v1/audit/events/export?format=csv&outcome=failure',
    headers,
  })
  const lines = csv.body.trim().split('\r\n')
  expect(lines[0]).toMatch(/^seq,id,type,/)
  expect(lines.slice(1).every((line) => line.includes('auth.login.failed'))).toBe(true)
  expect(lines).toHaveLength(1 + 3)
})
