import type { WriteSeries } from './write-request.js'
import { encodeWriteRequest } from './write-request.js'

/** Where and how remote-write requests are sent. */
export interface RemoteWriteTarget {
  readonly url: string
  /** Configured headers and the Authorization header; never logged. */
  readonly headers: Readonly<Record<string, string>>
  readonly timeoutMs: number
}

// A short piece of the answer is enough to tell why a request was refused.
const maxReasonChars = 200

/**
 * Sends one remote-write 1.0 request. Throws when the server is unreachable or answers with
 * anything but 2xx; the error names the status and the start of the answer's body.
 */
export async function sendWriteRequest(
  target: RemoteWriteTarget,
  series: readonly WriteSeries[],
): Promise<void> {
  const response = await fetch(target.url, {
    method: 'POST',
    headers: {
      ...target.headers,
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    body: encodeWriteRequest(series),
    redirect: 'error',
    signal: AbortSignal.timeout(target.timeoutMs),
  })
  if (response.ok) {
    await response.body?.cancel()
    return
  }
  const reason = (await response.text().catch(() => '')).slice(0, maxReasonChars).trim()
  throw new Error(`remote write answered HTTP ${response.status}${reason ? `: ${reason}` : ''}`)
}
