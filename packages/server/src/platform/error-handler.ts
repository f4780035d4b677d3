import type { Socket } from 'node:net'
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
  if (mapped !== undefined) {
    // Fastify's bad-URL message repeats the whole URL, query string (and any token) included.
    const detail = error.code === 'FST_ERR_BAD_URL' ? 'the URL is not valid' : error.message
    return new RampartError(mapped, detail, { cause: error })
  }

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
  // Server faults carry the cause and stack; client mistakes only the code and detail.
  if (rampartError.status >= 500) {
    request.log.error({ err: rampartError, code: rampartError.code }, 'request failed')
  } else {
    request.log.info({ code: rampartError.code, detail: rampartError.message }, 'request failed')
  }

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

/**
 * Answers what Node's HTTP parser refuses before Fastify sees a request (an unknown method,
 * oversized headers, a malformed request line) with problem+json, then closes the socket.
 */
export function writeClientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy()
    return
  }
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW'
  const status = tooLarge ? 431 : 400
  const problem = {
    type: 'urn:rampart:problem:bad_request',
    title: tooLarge ? 'Request header fields too large' : 'Bad request',
    status,
    detail: tooLarge ? 'the request headers are too large' : 'the request is malformed',
    code: 'bad_request',
  }
  const body = JSON.stringify(problem)
  socket.end(
    `HTTP/1.1 ${status} ${tooLarge ? 'Request Header Fields Too Large' : 'Bad Request'}\r\n` +
      `content-type: ${problemContentType}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  )
}
