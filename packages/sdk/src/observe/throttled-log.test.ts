import { describe, expect, it } from 'vitest'
import { captureLog } from '../test-support/log-capture.js'
import { createLogger } from './logger.js'
import { ThrottledLog } from './throttled-log.js'

describe('ThrottledLog', () => {
  it('writes a message once per interval, then says how many it left out', () => {
    const log = captureLog()
    let now = 1_000
    const throttled = new ThrottledLog(
      createLogger({ service: 'shop', destination: log.destination }),
      60_000,
      () => now,
    )

    for (let request = 0; request < 100; request += 1) {
      throttled.log('warn', { reason: 'stale_snapshot' }, 'policy snapshot unusable')
      throttled.log('error', {}, 'access decisions unavailable')
      now += 100
    }
    now = 61_000
    throttled.log('warn', { reason: 'stale_snapshot' }, 'policy snapshot unusable')

    const lines = log.lines().map(({ msg, suppressed, reason }) => ({ msg, suppressed, reason }))
    expect(lines).toEqual([
      { msg: 'policy snapshot unusable', suppressed: undefined, reason: 'stale_snapshot' },
      { msg: 'access decisions unavailable', suppressed: undefined, reason: undefined },
      { msg: 'policy snapshot unusable', suppressed: 99, reason: 'stale_snapshot' },
    ])
  })
})
