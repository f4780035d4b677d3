import { createServer, connect } from 'node:net'
import type { AddressInfo, Server, Socket } from 'node:net'

/**
 * A loopback TCP proxy a test can cut and restore, to take a real dependency (PostgreSQL,
 * Redis) away from the process under test without stopping it for everyone else.
 */
export class TcpProxy {
  readonly #targetHost: string
  readonly #targetPort: number
  readonly #sockets = new Set<Socket>()
  #server: Server | undefined
  #port = 0

  constructor(targetHost: string, targetPort: number) {
    this.#targetHost = targetHost
    this.#targetPort = targetPort
  }

  get port(): number {
    return this.#port
  }

  /** Listens (again, on the same port after a cut). */
  async start(): Promise<number> {
    const server = createServer((client) => {
      const upstream = connect(this.#targetPort, this.#targetHost)
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket)
        socket.on('close', () => this.#sockets.delete(socket))
        socket.on('error', () => socket.destroy())
      }
      client.pipe(upstream).pipe(client)
      client.on('close', () => upstream.destroy())
      upstream.on('close', () => client.destroy())
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.#port, '127.0.0.1', () => resolve())
    })
    this.#server = server
    this.#port = (server.address() as AddressInfo).port
    return this.#port
  }

  /** Refuses new connections and drops every open one, as a dead server would. */
  async cut(): Promise<void> {
    const server = this.#server
    this.#server = undefined
    for (const socket of this.#sockets) socket.destroy()
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }
}
