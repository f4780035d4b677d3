import pino from 'pino'
import type { DestinationStream, Logger, LevelWithSilent } from 'pino'

export type { Logger } from 'pino'

/**
 * Keys whose values are never written, wherever they appear in the first two levels of a log
 * object. The serializers below already allow-list what requests, replies and errors expose;
 * this is the second fence for a careless `log.info({ ...something })`.
 */
const secretKeys = [
  'password',
  'newPassword',
  'secret',
  'clientSecret',
  'client_secret',
  'token',
  'accessToken',
  'access_token',
  'refreshToken',
  'refresh_token',
  'idToken',
  'id_token',
  'authorization',
  'cookie',
  'cookies',
  'setCookie',
  'set-cookie',
  'apiKey',
  'api_key',
  'privateKey',
  'masterKey',
  'headers',
]

const redactPaths = secretKeys.flatMap((key) => {
  const quoted = `["${key}"]`
  return [quoted, `*${quoted}`]
})

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
      redact: { paths: redactPaths, censor: '[redacted]' },
    },
    options.destination ?? pino.destination({ dest: 1, sync: false }),
  )
}
