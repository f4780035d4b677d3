import pino from 'pino'
import type { DestinationStream, Logger, LevelWithSilent } from 'pino'

export type { Logger } from 'pino'

/**
 * Keys whose values are never written, in the first two levels of a log object. The
 * serializers below already allow-list what requests, replies and errors expose; this is the
 * second fence for a careless `log.info({ ...something })`. It is a plain key scan rather
 * than pino's path redaction, whose wildcard paths cost more per line than the rest of the
 * request pipeline together.
 */
const secretKeys = new Set(
  [
    'password',
    'newpassword',
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
    'cookie',
    'cookies',
    'setcookie',
    'set-cookie',
    'apikey',
    'api_key',
    'privatekey',
    'masterkey',
    'headers',
  ].map((key) => key.toLowerCase()),
)

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
  id?: string
  routeOptions?: { url?: string }
}

interface ErrorLike {
  name?: string
  message?: string
  code?: string
  stack?: string
  cause?: unknown
}

/** Only method, route template and path: no headers, no query string (it may carry tokens). */
function serializeRequest(request: RequestLike): Record<string, unknown> {
  return {
    method: request.method,
    route: request.routeOptions?.url,
    path: request.url?.split('?', 1)[0],
    requestId: request.id,
  }
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

export interface LoggerOptions {
  readonly level?: LevelWithSilent
  /** Where lines go; stdout when absent. Tests pass a stream they can read back. */
  readonly destination?: DestinationStream
}

/** The platform's JSON logger: pino with allow-listing serializers and redaction. */
export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'rampart' },
      messageKey: 'msg',
      timestamp: pino.stdTimeFunctions.isoTime,
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
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  )
}
