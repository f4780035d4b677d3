/**
 * What one delivery attempt did, and the HTTP transport of the webhook, Slack and PagerDuty
 * integrations: a JSON POST with a timeout.
 */

export interface Sent {
  /** The HTTP status, or the SMTP reply code; undefined when nothing answered. */
  readonly statusCode: number | undefined
  /** Why the attempt failed; undefined when it was delivered. */
  readonly error: string | undefined
  /** Retrying cannot help (an HTTP 4xx answer, an SMTP 5xx reply): dead-letter it now. */
  readonly permanent: boolean
}

/** Posts a JSON body; 2xx is delivered, 4xx permanent, anything else worth retrying. */
export async function postJson(url: string, body: string, timeoutMs: number): Promise<Sent> {
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'Rampart-Alerting' },
      body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    })
    await response.arrayBuffer().catch(() => undefined)
    const code = response.status
    const ok = code >= 200 && code < 300
    return {
      statusCode: code,
      error: ok ? undefined : `answered ${code}`,
      permanent: code >= 400 && code < 500,
    }
  } catch (error) {
    const name = error instanceof Error ? error.name : ''
    const reason = name === 'TimeoutError' ? `timed out after ${timeoutMs} ms` : String(error)
    return { statusCode: undefined, error: reason.slice(0, 500), permanent: false }
  }
}
