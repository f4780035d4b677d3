/** A JSON document from Rampart could not be fetched or was not what was expected. */
export class FetchFailed extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'FetchFailed'
  }
}

const maxBodyBytes = 1_048_576

/**
 * Fetches a JSON object with a timeout and a size limit. The URL is part of the message; it
 * never carries a credential (those go in headers or bodies).
 */
export async function fetchJson(
  url: string,
  init: RequestInit & { timeoutMs: number },
): Promise<Record<string, unknown>> {
  const { timeoutMs, ...rest } = init
  let response: Response
  try {
    response = await fetch(url, { ...rest, signal: AbortSignal.timeout(timeoutMs) })
  } catch (cause) {
    throw new FetchFailed(`${url} could not be reached`, { cause })
  }
  if (!response.ok) {
    await response.body?.cancel()
    throw new FetchFailed(`${url} answered ${response.status}`)
  }
  const length = Number(response.headers.get('content-length') ?? 0)
  if (length > maxBodyBytes) {
    await response.body?.cancel()
    throw new FetchFailed(`${url} answered with ${length} bytes, more than ${maxBodyBytes}`)
  }

  let body: unknown
  try {
    body = await response.json()
  } catch (cause) {
    throw new FetchFailed(`${url} did not answer JSON`, { cause })
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new FetchFailed(`${url} did not answer a JSON object`)
  }
  return body as Record<string, unknown>
}
