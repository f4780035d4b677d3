/**
 * The admin API's bearer token until the access model exists.
 *
 * TODO(#5): authorise /v1/identity through the access model (an `identity:admin` permission
 * held by a service account or a console session) instead of one shared token.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'

import type { FastifyInstance } from 'fastify'

import { ConfigurationError, RampartError } from '../../platform/errors.js'
import type { IdentityConfig } from '../config.js'

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest()
}

/** The configured token's digest, or undefined when the admin API is closed. */
export function readAdminToken(config: IdentityConfig): Buffer | undefined {
  if (config.admin_token !== undefined && config.admin_token_file !== undefined) {
    throw new ConfigurationError('give identity.admin_token or identity.admin_token_file, not both')
  }
  if (config.admin_token !== undefined) return digest(config.admin_token)
  if (config.admin_token_file === undefined) return undefined
  let text: string
  try {
    text = readFileSync(config.admin_token_file, 'utf8').trim()
  } catch (error) {
    throw new ConfigurationError(`cannot read identity.admin_token_file`, { cause: error })
  }
  if (text.length < 16) {
    throw new ConfigurationError('identity.admin_token_file holds a token under 16 characters')
  }
  return digest(text)
}

/** Refuses every request of `scope` without the admin token, before its body is read. */
export function requireAdminToken(scope: FastifyInstance, expected: Buffer | undefined): void {
  scope.addHook('onRequest', (request, _reply, done) => {
    if (expected === undefined) {
      done(
        new RampartError(
          'unauthorized',
          'the identity admin API is closed: set identity.admin_token',
        ),
      )
      return
    }
    const header = request.headers.authorization ?? ''
    const match = /^Bearer (\S+)$/i.exec(header)
    // Digests have one length, so the comparison leaks neither the token nor its length.
    if (match === null || !timingSafeEqual(digest(match[1] ?? ''), expected)) {
      done(new RampartError('unauthorized', 'a valid bearer token is required'))
      return
    }
    done()
  })
}
