/**
 * A small client of the access API for the CLI: the server does the validation, auditing and
 * versioning, so the CLI changes the policy exactly as the admin API does.
 */

export interface ApiTarget {
  /** The server's base URL, e.g. http://127.0.0.1:8080. */
  readonly url: string
  /** The admin (or, for decisions, check) bearer token. */
  readonly token: string
}

/** A problem the server answered with, carried to the CLI's one-line error. */
export class AccessApiError extends Error {
  override readonly name = 'AccessApiError'
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    const problem = body as { code?: string; detail?: string } | undefined
    super(`${status} ${problem?.code ?? 'error'}: ${problem?.detail ?? 'no detail'}`)
  }
}

export async function callAccessApi(
  target: ApiTarget,
  method: 'GET' | 'PUT' | 'POST' | 'DELETE',
  path: string,
  body?: unknown,
): Promise<unknown> {
  const response = await fetch(new URL(path, target.url), {
    method,
    headers: {
      authorization: `Bearer ${target.token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await response.text()
  const parsed: unknown = text === '' ? undefined : JSON.parse(text)
  if (!response.ok) throw new AccessApiError(response.status, parsed)
  return parsed
}

/** A request whose body or answer is text, such as the policy document in YAML. */
export interface TextRequest {
  readonly accept?: string
  readonly contentType?: string
  readonly ifMatch?: string
  readonly body?: string
}

/** Like `callAccessApi`, but sends and answers text; a problem still throws. */
export async function callAccessApiText(
  target: ApiTarget,
  method: 'GET' | 'PUT',
  path: string,
  request: TextRequest = {},
): Promise<string> {
  const response = await fetch(new URL(path, target.url), {
    method,
    headers: {
      authorization: `Bearer ${target.token}`,
      ...(request.accept === undefined ? {} : { accept: request.accept }),
      ...(request.contentType === undefined ? {} : { 'content-type': request.contentType }),
      ...(request.ifMatch === undefined ? {} : { 'if-match': request.ifMatch }),
    },
    ...(request.body === undefined ? {} : { body: request.body }),
    signal: AbortSignal.timeout(30_000),
  })
  const text = await response.text()
  if (!response.ok)
    throw new AccessApiError(response.status, text === '' ? undefined : JSON.parse(text))
  return text
}

/** `order:read` or `order:read if resource.ownerId == subject.id`. */
export function parsePermissionFlag(text: string): { permission: string; condition?: string } {
  const split = /^(\S+)\s+if\s+(.+)$/s.exec(text.trim())
  if (split === null) return { permission: text.trim() }
  return { permission: split[1] as string, condition: (split[2] as string).trim() }
}
