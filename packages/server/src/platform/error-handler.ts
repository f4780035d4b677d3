import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify'
import type { ErrorCode, FieldError } from './errors.js'
import { RampartError } from './errors.js'
import { buildProblem, problemContentType } from './problem.js'

/** Fastify's own error codes for bad input, and the stable code each becomes. */
const fastifyCodes: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'bad_request',
  FST_ERR_CTP_BODY_TOO_LARGE: 'payload_too_large',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'malformed_json',
  FST_ERR_CTP_EMPTY_TYPE: 'unsupported_media_type',
  FST_ERR_CTP_INVALID_TYPE: 'unsupported_media_type',
  FST_ERR_BAD_URL: 'bad_request',
  FST_ERR_ASYNC_CONSTRAINT: 'bad_request',
}

interface ValidationIssue {
  instancePath?: string
  message?: string
  params?: Record<string, unknown>
}

function fieldErrors(issues: readonly ValidationIssue[], context: string): FieldError[] {
  return issues.map((issue) => {
    const missing = issue.params?.missingProperty
    const extra = issue.params?.additionalProperty
    const base = (issue.instancePath ?? '').replace(/^\//, '').replaceAll('/', '.')
    const leaf = typeof missing === 'string' ? missing : typeof extra === 'string' ? extra : ''
    const field = [context, base, leaf].filter((part) => part !== '').join('.')
    return { field, message: issue.message ?? 'is invalid' }
  })
}

function toRampartError(error: FastifyError): RampartError {
  if (error instanceof RampartError) return error

  if (error.validation !== undefined) {
    const context = error.validationContext ?? 'body'
    const errors = fieldErrors(error.validation, context)
    const summary = errors.map((item) => `${item.field} ${item.message}`).join('; ')
    return new RampartError('validation_failed', summary, { errors, cause: error })
  }

  const mapped = error.code === undefined ? undefined : fastifyCodes[error.code]
  if (mapped !== undefined) return new RampartError(mapped, error.message, { cause: error })

  // A SyntaxError that is not Fastify's JSON one still means the client sent something
  // unparseable (for example through a custom content-type parser).
  if (error instanceof SyntaxError) {
    return new RampartError('malformed_json', 'the body is not valid JSON', { cause: error })
  }

  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return new RampartError('bad_request', error.message, { cause: error })
  }
  return new RampartError('internal', 'an unexpected error occurred', { cause: error })
}

/**
 * Turns every error into RFC 9457 problem+json. Client mistakes are logged at info, server
 * faults at error with the cause; the client never sees a stack trace or a driver message.
 */
export function handleError(
  error: FastifyError,
  request: FastifyRequest,
  reply: FastifyReply,
): FastifyReply {
  const rampartError = toRampartError(error)
  const fault = rampartError.status >= 500 ? 'error' : 'info'
  request.log[fault]({ err: rampartError, code: rampartError.code }, 'request failed')

  const problem = buildProblem(rampartError.code, rampartError.message, {
    instance: request.url.split('?', 1)[0],
    requestId: request.id,
    ...(rampartError.errors === undefined ? {} : { errors: rampartError.errors }),
  })
  return reply.status(problem.status).type(problemContentType).send(problem)
}

export function handleNotFound(request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const path = request.url.split('?', 1)[0] ?? '/'
  const problem = buildProblem('not_found', `no route for ${request.method} ${path}`, {
    instance: path,
    requestId: request.id,
  })
  return reply.status(404).type(problemContentType).send(problem)
}
