import type { IncomingMessage, ServerResponse } from 'node:http'
import helmet from 'helmet'

/**
 * The security headers helmet would set, computed once. Helmet builds them from its options
 * on every call (parsing the CSP directives each time), which cost about a tenth of a trivial
 * request; the values never change per request, so they are captured here and copied.
 */
export function securityHeaders(): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {}
  const response = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()]
    },
  }

  const middleware = helmet({
    contentSecurityPolicy: {
      directives: { defaultSrc: ["'self'"], frameAncestors: ["'none'"], objectSrc: ["'none'"] },
    },
  })
  let finished = false
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error !== undefined) throw new Error('helmet failed', { cause: error })
    finished = true
  })
  if (!finished) throw new Error('helmet did not finish synchronously')
  return headers
}
