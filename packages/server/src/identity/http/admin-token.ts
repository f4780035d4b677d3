/**
 * The admin API's bootstrap bearer token. The access module's gate accepts it beside access
 * tokens whose subject holds a built-in role (see `access/guard/route-guard.ts`).
 */
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'

import { ConfigurationError } from '../../platform/errors.js'
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
