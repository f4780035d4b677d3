import type { IncomingMessage } from 'node:http'
import { randomUUID } from 'node:crypto'
import { newTraceId } from './ids.js'

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}$/
const zeroTraceId = '0'.repeat(32)
const zeroSpanId = '0'.repeat(16)

/**
 * The request id: the caller's `X-Request-Id` when it is well-formed (so ids can follow a
 * request across services), otherwise a fresh one. A malformed id is replaced, not echoed,
 * so a client cannot inject log content through it.
 */
export function requestIdFor(request: IncomingMessage): string {
  const header = request.headers['x-request-id']
  if (typeof header === 'string' && requestIdPattern.test(header)) return header
  // A random UUID: node pools its entropy, where a time-ordered id costs a random draw each.
  return randomUUID()
}

export interface TraceContext {
  readonly traceId: string
  readonly parentSpanId: string | undefined
}

/**
 * The W3C trace context of a request: the trace id of a valid `traceparent` header (version
 * 00, non-zero ids), or a new trace id when there is none or it is invalid.
 */
export function traceContextFor(header: string | string[] | undefined): TraceContext {
  if (typeof header === 'string') {
    const match = traceparentPattern.exec(header.trim().toLowerCase())
    if (match?.[1] !== undefined && match[1] !== zeroTraceId && match[2] !== zeroSpanId) {
      return { traceId: match[1], parentSpanId: match[2] }
    }
  }
  return { traceId: newTraceId(), parentSpanId: undefined }
}
