import { AsyncLocalStorage } from 'node:async_hooks'
import { randomBytes, randomUUID } from 'node:crypto'

/** What the SDK knows about the request being handled, wherever the code runs. */
export interface RequestContext {
  readonly requestId: string
  readonly traceId: string
  /** The span of this service's handling of the request; the parent of outgoing calls. */
  readonly spanId: string
  /** W3C trace flags, two hex digits; `01` means sampled. */
  readonly traceFlags: string
  /** The caller's span, when the request carried a valid `traceparent`. */
  readonly parentSpanId: string | undefined
}

const storage = new AsyncLocalStorage<RequestContext>()

/** Runs `fn` with `context` as the current request context of everything it starts. */
export function runWithContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn)
}

/** The context of the request being handled, or undefined outside any request. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore()
}

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/

/**
 * The caller's `X-Request-Id` when it is well-formed, so one id can follow a request across
 * services; otherwise a fresh one. A malformed id is replaced, never echoed, so a client
 * cannot inject content into logs through it.
 */
export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && requestIdPattern.test(header)) return header
  return randomUUID()
}

export interface IncomingTrace {
  readonly traceId: string
  readonly parentSpanId: string
  readonly traceFlags: string
}

const traceparentPattern = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const zeroTraceId = '0'.repeat(32)
const zeroSpanId = '0'.repeat(16)

/**
 * Parses a W3C `traceparent` header. Version `ff` and all-zero ids are invalid; a later
 * version is read by its first four fields, as the Trace Context spec asks; version 00
 * admits nothing after them. Returns undefined for anything invalid: the request then starts
 * a new trace.
 */
export function parseTraceparent(header: string | string[] | undefined): IncomingTrace | undefined {
  if (typeof header !== 'string' || header.length > 512) return undefined
  const match = traceparentPattern.exec(header.trim())
  if (match === null) return undefined
  const [, version, traceId, parentSpanId, traceFlags, rest] = match
  if (version === undefined || traceId === undefined || parentSpanId === undefined) return undefined
  if (traceFlags === undefined || version === 'ff') return undefined
  if (version === '00' && rest !== undefined) return undefined
  if (traceId === zeroTraceId || parentSpanId === zeroSpanId) return undefined
  return { traceId, parentSpanId, traceFlags }
}

/** The `traceparent` value that continues `context` in an outgoing call. */
export function formatTraceparent(context: RequestContext): string {
  return `00-${context.traceId}-${context.spanId}-${context.traceFlags}`
}

// Ids are made per request: draw random bytes in blocks rather than one call per id.
const poolSize = 4096
let pool = randomBytes(poolSize)
let poolOffset = 0

function randomHex(bytes: number): string {
  if (poolOffset + bytes > poolSize) {
    pool = randomBytes(poolSize)
    poolOffset = 0
  }
  poolOffset += bytes
  return pool.toString('hex', poolOffset - bytes, poolOffset)
}

export function newTraceId(): string {
  return randomHex(16)
}

export function newSpanId(): string {
  return randomHex(8)
}
