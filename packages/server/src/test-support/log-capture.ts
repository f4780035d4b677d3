import { Writable } from 'node:stream'
import type { Logger } from '../platform/logger.js'
import { createLogger } from '../platform/logger.js'

/** A logger whose JSON lines tests can read back, parsed, and as the raw text written. */
export interface CapturedLog {
  readonly logger: Logger
  readonly lines: () => Record<string, unknown>[]
  readonly text: () => string
}

export function captureLog(): CapturedLog {
  const chunks: string[] = []
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString('utf8'))
      callback()
    },
  })
  const logger = createLogger({ level: 'debug', destination })
  const text = (): string => chunks.join('')
  return {
    logger,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}
