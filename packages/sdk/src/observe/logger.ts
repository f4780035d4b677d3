import pino from 'pino'
import type { DestinationStream, Logger, LevelWithSilent } from 'pino'
import { currentContext } from './context.js'

export type { Logger } from 'pino'

/**
 * Keys whose values are never written, in the first two levels of a log object. The
 * serializers below allow-list what requests and errors expose; this is the second fence for
 * a careless `log.info({ ...something })`.
 */
const secretKeys = new Set([
  'password',
  'newpassword',
  'passwd',
  'secret',
  'clientsecret',
  'client_secret',
  'token',
  'accesstoken',
  'access_token',
  'refreshtoken',
  'refresh_token',
  'idtoken',
  'id_token',
  'authorization',
  'proxy-authorization',
  'cookie',
  'cookies',
  'setcookie',
  'set-cookie',
  'apikey',
  'api_key',
  'x-api-key',
  'privatekey',
  'headers',
])

const censored = '[redacted]'

function scrubLevel(values: Record<string, unknown>, depth: number): Record<string, unknown> {
  let scrubbed: Record<string, unknown> | undefined
  for (const key in values) {
    const value = values[key]
    let replacement = value
    if (secretKeys.has(key.toLowerCase())) replacement = censored
    else if (depth < 1 && typeof value === 'object' && value !== null && !Array.isArray(value)) {
      replacement = scrubLevel(value as Record<string, unknown>, depth + 1)
    }
    if (replacement !== value) {
      scrubbed ??= { ...values }
      scrubbed[key] = replacement
    }
  }
  return scrubbed ?? values
}

/** Replaces secret-named values with a marker; returns the input itself when clean. */
export function scrubSecrets(values: Record<string, unknown>): Record<string, unknown> {
  return scrubLevel(values, 0)
}

interface RequestLike {
  method?: string
  url?: string
  originalUrl?: string
}

interface ErrorLike {
  name?: string
  message?: string
  code?: string
  stack?: string
  cause?: unknown
}

/** Method and path only: no headers, no query string (it may carry tokens), no body. */
function serializeRequest(request: RequestLike): Record<string, unknown> {
  const url = request.originalUrl ?? request.url
  return { method: request.method, path: url?.split('?', 1)[0] }
}

function serializeError(error: ErrorLike, depth = 0): Record<string, unknown> {
  const serialized: Record<string, unknown> = {
    type: error.name,
    message: error.message,
    code: error.code,
    stack: error.stack,
  }
  if (error.cause instanceof Error && depth < 3) {
    serialized.cause = serializeError(error.cause, depth + 1)
  }
  return serialized
}

/** Puts the current request's ids on every line written while handling it. */
function requestFields(): Record<string, unknown> {
  const context = currentContext()
  if (context === undefined) return {}
  return { requestId: context.requestId, traceId: context.traceId, spanId: context.spanId }
}

let stampedAtMs = -1
let stamp = ''

/**
 * pino's ISO `time` field, formatted once per millisecond rather than once per line: a busy
 * service writes several lines a millisecond.
 */
function isoTime(): string {
  const nowMs = Date.now()
  if (nowMs !== stampedAtMs) {
    stampedAtMs = nowMs
    stamp = `,"time":"${new Date(nowMs).toISOString()}"`
  }
  return stamp
}

export interface LoggerOptions {
  readonly service: string
  readonly level?: LevelWithSilent
  /** Where lines go; stdout when absent. Tests pass a stream they can read back. */
  readonly destination?: DestinationStream
}

/**
 * Standard output, written in blocks of up to 4 KiB (or every 100 ms when traffic is light)
 * rather than with one system call per line, which costs a busy service as much as the rest
 * of its logging. Pino flushes it on exit; a killed process loses at most that much.
 */
function standardOutput(): DestinationStream {
  return pino.destination({ dest: 1, sync: false, minLength: 4096, periodicFlush: 100 })
}

/**
 * A pino JSON logger whose every line written during a request carries that request's
 * `requestId`, `traceId` and `spanId`, with serializers that allow-list request and error
 * fields so that headers, cookies, tokens and passwords never reach the log.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: options.service },
      messageKey: 'msg',
      timestamp: isoTime,
      mixin: requestFields,
      serializers: {
        req: serializeRequest,
        request: serializeRequest,
        res: () => undefined,
        reply: () => undefined,
        err: serializeError,
        error: serializeError,
      },
      formatters: { log: scrubSecrets },
    },
    options.destination ?? standardOutput(),
  )
}
