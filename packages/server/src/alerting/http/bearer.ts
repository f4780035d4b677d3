import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import { RampartError } from '../../platform/errors.js'

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest()
}

/** The token from the config or its file; undefined when neither is set. */
export function readToken(token: string | undefined, file: string | undefined): string | undefined {
  return token ?? (file === undefined ? undefined : readFileSync(file, 'utf8').trim())
}

/**
 * Requires `Authorization: Bearer <token>` on every route of `scope`; without a configured
 * token the API is closed rather than open.
 * TODO(#5): authorise through the access model's alerting permissions instead.
 */
export function requireBearer(
  scope: FastifyInstance,
  token: string | undefined,
  api: string,
): void {
  const expected = token === undefined ? undefined : digest(token)
  scope.addHook('onRequest', (request, _reply, done) => {
    if (expected === undefined) {
      done(new RampartError('unauthorized', `the ${api} is closed: configure its token`))
      return
    }
    const header = request.headers.authorization ?? ''
    const presented = header.startsWith('Bearer ') ? header.slice(7) : ''
    // Comparing digests keeps the comparison constant-time whatever the lengths.
    if (!timingSafeEqual(digest(presented), expected)) {
      done(new RampartError('unauthorized', 'a valid bearer token is required'))
      return
    }
    done()
  })
}
