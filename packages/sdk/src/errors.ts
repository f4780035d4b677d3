/**
 * The SDK's stable error codes. A service built on the SDK answers bad requests with RFC 9457
 * problem details carrying one of these codes, so its clients can switch on `code` the same
 * way they do for Rampart itself. A code is never renamed or reused once released.
 */
export const sdkErrorRegistry = {
  invalid_request: { status: 400, title: 'Malformed authorization request' },
  unauthorized: { status: 401, title: 'Authentication required' },
  invalid_token: { status: 401, title: 'Invalid access token' },
  forbidden: { status: 403, title: 'Forbidden' },
  rate_limited: { status: 429, title: 'Too many requests' },
  authentication_unavailable: { status: 503, title: 'Authentication unavailable' },
  access_check_unavailable: { status: 503, title: 'Access decision unavailable' },
  internal: { status: 500, title: 'Internal server error' },
} as const satisfies Record<string, { status: number; title: string }>

export type SdkErrorCode = keyof typeof sdkErrorRegistry

/** An RFC 9457 problem details body with the SDK's stable `code`. */
export interface Problem {
  readonly type: string
  readonly title: string
  readonly status: number
  readonly detail: string
  readonly code: SdkErrorCode
  readonly requestId?: string
  /** For `forbidden`: the permission the caller lacks, as `resource:action`. */
  readonly permission?: string
}

export const problemContentType = 'application/problem+json; charset=utf-8'

export function buildProblem(
  code: SdkErrorCode,
  detail: string,
  extra: { requestId?: string; permission?: string } = {},
): Problem {
  const { status, title } = sdkErrorRegistry[code]
  return { type: `urn:rampart:problem:${code}`, title, status, detail, code, ...extra }
}

/**
 * A refusal to send to the client: `code` decides the status, `detail` is safe to show and
 * `headers` go on the response (a `WWW-Authenticate` challenge, for example). The real
 * reason, which must not reach the client, is the `cause`; it goes to the log.
 */
export class RequestRefusal extends Error {
  readonly code: SdkErrorCode
  readonly status: number
  readonly headers: Readonly<Record<string, string>>
  readonly permission: string | undefined

  constructor(
    code: SdkErrorCode,
    detail: string,
    options: { cause?: unknown; headers?: Record<string, string>; permission?: string } = {},
  ) {
    super(detail, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'RequestRefusal'
    this.code = code
    this.status = sdkErrorRegistry[code].status
    this.headers = options.headers ?? {}
    this.permission = options.permission
  }

  toProblem(requestId: string | undefined): Problem {
    const extra: { requestId?: string; permission?: string } = {}
    if (requestId !== undefined) extra.requestId = requestId
    if (this.permission !== undefined) extra.permission = this.permission
    return buildProblem(this.code, this.message, extra)
  }
}

/** A mistake in the SDK's options, thrown by `createRampart` rather than per request. */
export class ConfigurationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'ConfigurationError'
  }
}
