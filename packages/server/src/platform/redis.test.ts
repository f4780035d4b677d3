/**
 * The Redis connection at start-up: a URL that cannot be used fails start with a message
 * saying why, and logs nothing about falling back to the database, which only a later outage
 * does. The cases with a working server need the Redis at 127.0.0.1:6379.
 */
import { afterEach, describe, expect, it } from 'vitest'

import type { Config } from '../config/schema.js'
import { redisUnavailable, testRedisUrl } from '../test-support/redis.js'
import { createLogger } from './logger.js'
import { closeRedis, openRedis } from './redis.js'

interface LogLine {
  readonly level: number
  readonly msg: string
}

/** A logger whose lines the test reads back as parsed JSON. */
function capturingLogger() {
  const lines: LogLine[] = []
  const destination = {
    write: (line: string) => {
      lines.push(JSON.parse(line) as LogLine)
    },
  }
  return { logger: createLogger({ level: 'debug', destination }), lines }
}

function redisConfig(url: string): Config['redis'] {
  return { url, key_prefix: 'rampart-test', connect_timeout_ms: 1000 }
}

describe('openRedis at start-up', () => {
  const opened: Awaited<ReturnType<typeof openRedis>>[] = []

  afterEach(async () => {
    await Promise.all(opened.splice(0).map((client) => closeRedis(client)))
  })

  it('fails on a refused connection without logging a fallback to the database', async () => {
    const { logger, lines } = capturingLogger()
    await expect(openRedis(redisConfig('redis://127.0.0.1:1'), logger)).rejects.toThrow(
      /^cannot connect to redis at redis:\/\/127\.0\.0\.1:1: .*ECONNREFUSED/,
    )
    expect(lines).toEqual([])
  })

  describe.skipIf(redisUnavailable !== undefined)('with a running Redis', () => {
    it('fails on a database index the server lacks, with its reason', async () => {
      const { logger, lines } = capturingLogger()
      const url = new URL(testRedisUrl)
      url.pathname = '/99'
      await expect(openRedis(redisConfig(url.href), logger)).rejects.toThrow(
        `cannot use redis at ${url.protocol}//${url.host}: ERR DB index is out of range`,
      )
      expect(lines).toEqual([])
    })

    it('connects to a usable URL and logs nothing', async () => {
      const { logger, lines } = capturingLogger()
      const client = await openRedis(redisConfig(testRedisUrl), logger)
      opened.push(client)
      expect(await client?.ping()).toBe('PONG')
      expect(lines).toEqual([])
    })
  })
})
