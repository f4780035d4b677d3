import { Writable } from 'node:stream'
import type { DestinationStream } from 'pino'

/** A log destination whose JSON lines tests read back, parsed, and as the raw text written. */
export interface CapturedLog {
  readonly destination: DestinationStream
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
  const text = (): string => chunks.join('')
  return {
    destination,
    text,
    lines: () =>
      text()
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
  }
}
