import { request as httpRequest } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TestServer } from './http-server.js'
import { sendJson, startServer } from './http-server.js'

interface Exchange {
  readonly path: string
  readonly response: ServerResponse
}

/**
 * A reverse proxy in front of a real Rampart that tests can cut: while `blocked` matches a
 * path, requests to it are answered 503, and those in flight (a long poll) are cut off, the
 * way a failed endpoint or a network partition looks to the SDK.
 */
export class SwitchableProxy {
  readonly #target: URL
  readonly #inFlight = new Set<Exchange>()
  #blocked: (path: string) => boolean = () => false
  #server: TestServer | undefined

  constructor(target: string) {
    this.#target = new URL(target)
  }

  get url(): string {
    if (this.#server === undefined) throw new Error('proxy not started')
    return this.#server.url
  }

  async start(): Promise<this> {
    this.#server = await startServer((request, response) => this.#forward(request, response))
    return this
  }

  /** Cuts the paths `blocked` matches (every path when absent); `restore` undoes it. */
  block(blocked: (path: string) => boolean = () => true): void {
    this.#blocked = blocked
    for (const exchange of this.#inFlight) {
      if (blocked(exchange.path)) exchange.response.destroy()
    }
  }

  restore(): void {
    this.#blocked = () => false
  }

  #forward(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '/'
    if (this.#blocked(path)) return sendJson(response, 503, { code: 'service_unavailable' })
    const exchange = { path, response }
    this.#inFlight.add(exchange)
    response.once('close', () => this.#inFlight.delete(exchange))
    const upstream = httpRequest(
      {
        host: this.#target.hostname,
        port: this.#target.port,
        method: request.method,
        path,
        headers: { ...request.headers, host: this.#target.host },
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers)
        answer.pipe(response)
      },
    )
    upstream.once('error', () => response.destroy())
    response.once('close', () => {
      if (!response.writableFinished) upstream.destroy()
    })
    request.pipe(upstream)
  }

  async close(): Promise<void> {
    await this.#server?.close()
  }
}
