import type { ErrorRequestHandler, Response } from 'express'
import type { FieldError } from './validation.js'

/** The shop's own stable error codes, next to the SDK's (`unauthorized`, `forbidden`...). */
const shopProblems = {
  validation_failed: { status: 400, title: 'Request validation failed' },
  malformed_json: { status: 400, title: 'Malformed JSON body' },
  not_found: { status: 404, title: 'Not found' },
  payload_too_large: { status: 413, title: 'Payload too large' },
  internal: { status: 500, title: 'Internal server error' },
} as const

export type ShopProblemCode = keyof typeof shopProblems

/** Answers with RFC 9457 problem details carrying a stable `code`. */
export function sendProblem(
  response: Response,
  code: ShopProblemCode,
  detail: string,
  errors?: readonly FieldError[],
): void {
  const { status, title } = shopProblems[code]
  const requestId = response.getHeader('x-request-id')
  response
    .status(status)
    .type('application/problem+json; charset=utf-8')
    .send(
      JSON.stringify({
        type: `urn:rampart:problem:${code}`,
        title,
        status,
        detail,
        code,
        ...(typeof requestId === 'string' ? { requestId } : {}),
        ...(errors === undefined ? {} : { errors }),
      }),
    )
}

interface BodyParserError {
  type?: string
}

/**
 * The last middleware: body-parser's errors become problems, anything else is the shop's
 * fault, logged with its stack and answered with a generic 500.
 */
export const problemHandler: ErrorRequestHandler = (error, request, response, _next) => {
  const type = (error as BodyParserError).type
  if (type === 'entity.parse.failed')
    return sendProblem(response, 'malformed_json', 'the body is not valid JSON')
  if (type === 'entity.too.large')
    return sendProblem(response, 'payload_too_large', 'the body is too large')
  request.log?.error({ err: error }, 'request failed')
  sendProblem(response, 'internal', 'the request could not be completed')
}
