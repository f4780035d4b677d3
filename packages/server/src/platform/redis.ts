/**
 * The optional Redis connection (`redis.url`) for counters every replica must share, such as
 * login throttling. Start-up waits for the first connection, so a wrong URL fails there; a
 * later outage is logged once, and its users fall back to counting in the database until
 * Redis answers again. A URL that connects but cannot be used (a database index the server
 * lacks) fails start-up too. The URL may hold a password: it is never logged.
 */
import { Redis } from 'ioredis'

import type { Config } from '../config/schema.js'
import type { Logger } from './logger.js'

// TODO(#4): an outage shows only in the log: /readyz leaves Redis out on purpose (the database
// takes over, so the replica still serves), and no self-metric reports the connection yet.
const endWaitMs = 2000

/** Where the Redis of `url` is, for messages: host and port without credentials. */
function redisLocation(url: string): string {
  const parsed = new URL(url)
  return `${parsed.protocol}//${parsed.host}`
}

/** Connects to the configured Redis; undefined when none is configured. */
export async function openRedis(
  config: Config['redis'],
  logger: Logger,
): Promise<Redis | undefined> {
  if (config.url === undefined) return undefined
  const where = redisLocation(config.url)
  const client = new Redis(config.url, {
    lazyConnect: true,
    connectTimeout: config.connect_timeout_ms,
    // Callers fall back when Redis is down; queued commands would only delay them.
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
  })

  // Until the first connection succeeds an error fails start-up; only an outage after it
  // falls back to the database, so only then is the fallback logged.
  let started = false
  let startError: Error | undefined
  let reachable = true
  client.on('error', (error: Error) => {
    if (!started) {
      startError ??= error
      return
    }
    if (!reachable) return
    reachable = false
    logger.warn({ err: error, redis: where }, 'redis unreachable; counting in the database')
  })
  client.on('ready', () => {
    if (reachable) return
    reachable = true
    logger.info({ redis: where }, 'redis reachable again')
  })

  await connectOrThrow(client, where, () => startError)
  started = true
  return client
}

/**
 * Waits for the first connection and fails on any error during it. The client reports a
 * refused connection by rejecting, but a failed setup command (a `SELECT` of a database
 * index the server lacks) only by an `error` event on a connection it then calls ready.
 */
async function connectOrThrow(
  client: Redis,
  where: string,
  startError: () => Error | undefined,
): Promise<void> {
  try {
    await client.connect()
  } catch (error) {
    client.disconnect()
    const cause = startError() ?? error
    throw new Error(`cannot connect to redis at ${where}: ${messageOf(cause)}`, { cause })
  }
  const setupError = startError()
  if (setupError === undefined) return
  client.disconnect()
  throw new Error(`cannot use redis at ${where}: ${setupError.message}`, { cause: setupError })
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Closes the connection after the commands already sent; resolves once the socket closed. */
export async function closeRedis(client: Redis | undefined): Promise<void> {
  if (client === undefined || client.status === 'end') return
  let timer: NodeJS.Timeout | undefined
  const ended = new Promise((resolve) => {
    client.once('end', resolve)
    // A client between reconnection attempts may never report its end: do not wait for ever.
    timer = setTimeout(resolve, endWaitMs)
  })
  try {
    await client.quit()
  } catch {
    client.disconnect()
  }
  await ended
  clearTimeout(timer)
}
