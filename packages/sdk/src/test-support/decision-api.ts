import type { TestServer } from './http-server.js'
import { readBody, sendJson, startServer } from './http-server.js'

/** What `POST /v1/access/check` receives, in the shape Rampart's access API defines. */
export interface CheckWireBody {
  readonly subject: string
  readonly permission: string
  readonly resource?: {
    readonly type: string
    readonly id: string
    readonly attributes?: Readonly<Record<string, unknown>>
  }
  readonly context?: { readonly attributes?: Readonly<Record<string, unknown>> }
}

/**
 * A stand-in for Rampart's decision API (`POST /v1/access/check`) answering from a policy
 * function, over real HTTP, recording what it was asked.
 * `real-platform.test.ts` runs the same path against a real Rampart; this one serves the
 * failure cases (5xx, unreachable) and the adapter suites.
 */
export class TestDecisionApi {
  readonly queries: CheckWireBody[] = []
  readonly authorizations: (string | undefined)[] = []
  policy: (query: CheckWireBody) => boolean = () => false
  /** Answer with this status instead of deciding (simulates a failing Rampart). */
  failWith: number | undefined
  #server: TestServer | undefined

  get url(): string {
    if (this.#server === undefined) throw new Error('decision API not started')
    return this.#server.url
  }

  async start(): Promise<this> {
    this.#server = await startServer(async (request, response) => {
      if (request.url !== '/v1/access/check' || request.method !== 'POST') {
        return sendJson(response, 404, { code: 'not_found' })
      }
      const query = JSON.parse(await readBody(request)) as CheckWireBody
      this.queries.push(query)
      this.authorizations.push(request.headers.authorization)
      if (this.failWith !== undefined)
        return sendJson(response, this.failWith, { code: 'internal' })
      const allowed = this.policy(query)
      sendJson(response, 200, {
        allowed,
        reason: allowed ? 'allowed' : 'no_permission',
        version: 7,
      })
    })
    return this
  }

  async close(): Promise<void> {
    await this.#server?.close()
  }
}
