import { Redis } from 'ioredis'

/** The Redis tests use: `RAMPART_TEST_REDIS_URL`, or the machines' default. */
export const testRedisUrl = process.env.RAMPART_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379'

async function probe(): Promise<string | undefined> {
  const client = new Redis(testRedisUrl, {
    lazyConnect: true,
    connectTimeout: 3000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  })
  // The socket's own error says more than the "Connection is closed" that `connect` rejects with.
  let socketError: Error | undefined
  client.on('error', (error: Error) => {
    socketError = error
  })
  try {
    await client.connect()
    await client.ping()
    return undefined
  } catch (error) {
    return (socketError ?? (error instanceof Error ? error : new Error(String(error)))).message
  } finally {
    client.disconnect()
  }
}

/**
 * Why Redis tests cannot run, or undefined when they can. Under `CI=true` an unreachable
 * server is a failure, not a skip: the suites that need it must not pass by not running.
 */
export const redisUnavailable: string | undefined = await probe()

if (redisUnavailable !== undefined) {
  if (process.env.CI === 'true') {
    throw new Error(`Redis at ${testRedisUrl} is required in CI: ${redisUnavailable}`)
  }
  console.warn(`skipping Redis suites: ${testRedisUrl}: ${redisUnavailable}`)
}
