import type { IncomingMessage, ServerResponse } from 'node:http'
import { SNAPSHOT_FORMAT } from '@rampart/access-engine'
import { afterEach, describe, expect, it } from 'vitest'
import type { TestServer } from '../test-support/http-server.js'
import { sendJson, startServer } from '../test-support/http-server.js'
import { SnapshotSync } from './snapshot-sync.js'

const snapshot = (version: number) => ({
  format: SNAPSHOT_FORMAT,
  version,
  roles: [{ name: 'reader', tenant: null, active: true, parents: [], permissions: [] }],
  bindings: [],
  grants: [],
  groups: [],
})

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface Seen {
  readonly url: string
  readonly ifNoneMatch: string | undefined
  readonly authorization: string | undefined
}

let server: TestServer | undefined
let sync: SnapshotSync | undefined

afterEach(async () => {
  sync?.stop()
  await server?.close()
})

/** A snapshot endpoint over real HTTP answering with `answer`, recording each request. */
async function serve(
  answer: (request: IncomingMessage, response: ServerResponse, seen: Seen[]) => unknown,
) {
  const seen: Seen[] = []
  server = await startServer(async (request, response) => {
    seen.push({
      url: request.url ?? '',
      ifNoneMatch: request.headers['if-none-match'],
      authorization: request.headers.authorization,
    })
    await answer(request, response, seen)
  })
  return seen
}

function start(url: string, errors: unknown[] = [], minBackoffMs = 50) {
  sync = new SnapshotSync({
    url,
    serviceToken: () => Promise.resolve('check-token-0123456789'),
    waitMs: 300,
    timeoutMs: 1_000,
    minBackoffMs,
    maxBackoffMs: 200,
    now: Date.now,
    onError: (error) => errors.push(error),
  })
  sync.start()
  return sync
}

describe('SnapshotSync', () => {
  it('fetches the snapshot, then long-polls with its version until it changes', async () => {
    let version = 1
    const seen = await serve(async (request, response) => {
      const known = request.headers['if-none-match']
      if (known === `"v${version}"`) {
        await sleep(50)
        if (known === `"v${version}"`) {
          response.statusCode = 304
          return response.end()
        }
      }
      response.setHeader('etag', `"v${version}"`)
      sendJson(response, 200, snapshot(version))
    })
    const current = start(server!.url)
    await current.firstAttempt
    expect(current.evaluator?.version).toBe(1)
    const firstConfirmed = current.confirmedAt

    await sleep(300)
    expect(current.confirmedAt).toBeGreaterThan(firstConfirmed)
    version = 2
    await expect.poll(() => current.evaluator?.version, { timeout: 1_000 }).toBe(2)

    expect(seen[0]).toEqual({
      url: '/v1/access/snapshot',
      ifNoneMatch: undefined,
      authorization: 'Bearer check-token-0123456789',
    })
    expect(seen[1]).toMatchObject({ url: '/v1/access/snapshot?waitMs=300', ifNoneMatch: '"v1"' })
  })

  it.each([
    ['answers 500', (response: ServerResponse) => sendJson(response, 500, { code: 'x' })],
    ['answers another format', (response: ServerResponse) => sendJson(response, 200, {})],
  ])('retries with backoff while the endpoint %s, and keeps no evaluator', async (_, fail) => {
    const seen = await serve((_request, response) => fail(response))
    const errors: unknown[] = []
    const current = start(server!.url, errors)
    await sleep(1_000)

    // Waits of 25-50, 50-100, then 100-200 ms: a handful of attempts, not a spin.
    expect(seen.length).toBeGreaterThanOrEqual(3)
    expect(seen.length).toBeLessThanOrEqual(12)
    expect(errors.length).toBe(seen.length)
    expect(current.evaluator).toBeUndefined()
  })

  it('does not spin against a server that answers a long poll at once', async () => {
    const seen = await serve((_request, response) => {
      response.setHeader('etag', '"v1"')
      sendJson(response, 200, snapshot(1))
    })
    start(server!.url)
    await sleep(1_000)
    expect(seen.length).toBeLessThanOrEqual(7)
  })

  it('aborts the long poll in flight when stopped, and polls no more', async () => {
    let closed = 0
    const seen = await serve((request, response) => {
      if (request.headers['if-none-match'] === undefined) {
        response.setHeader('etag', '"v1"')
        return sendJson(response, 200, snapshot(1))
      }
      request.socket.once('close', () => (closed += 1))
    })
    const current = start(server!.url)
    await expect.poll(() => seen.length).toBe(2)

    current.stop()
    await expect.poll(() => closed, { timeout: 1_000 }).toBe(1)
    await sleep(300)
    expect(seen.length).toBe(2)
  })
})
