import type { FieldError, ErrorCode } from './errors.js'
import { errorRegistry } from './errors.js'

/** An RFC 9457 problem details body, with Rampart's stable `code`. */
export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code: ErrorCode
  readonly instance?: string
  readonly requestId?: string
  readonly errors?: readonly FieldError[]
}

export const problemContentType = 'application/problem+json; charset=utf-8'

export function problemType(code: ErrorCode): string {
  return `urn:rampart:problem:${code}`
}

export function buildProblem(
  code: ErrorCode,
  detail: string,
  extra: { instance?: string; requestId?: string; errors?: readonly FieldError[] } = {},
): Problem {
  const { status, title } = errorRegistry[code]
  return { type: problemType(code), title, status, detail, code, ...extra }
}

/** JSON schema of a problem body, for the OpenAPI document. */
export const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail', 'code'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    code: { type: 'string', enum: Object.keys(errorRegistry) },
    instance: { type: 'string' },
    requestId: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        properties: { field: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
} as const
