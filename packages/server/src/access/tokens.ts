/**
 * Bearer tokens for the access API: one for the policy admin endpoints, one for decisions
 * and the snapshot (which the admin token may use as well). Only their digests are kept and
 * they are compared in constant time.
 *
 * The admin API and the decision API also take access tokens from Rampart's identity
 * provider (see `guard/route-guard.ts`).
 * TODO(#5): the snapshot takes only these tokens; an access token holding
 * `access.decisions:check` should be enough for it too.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

import type { onRequestHookHandler } from 'fastify'

import { ConfigurationError, RampartError } from '../platform/errors.js'
import type { AccessConfig } from './config.js'

export interface AccessTokens {
  readonly admin: Buffer | undefined
  readonly check: Buffer | undefined
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

function readToken(value: string | undefined, file: string | undefined, key: string) {
  if (value !== undefined && file !== undefined) {
    throw new ConfigurationError(`give either access.${key} or access.${key}_file, not both`)
  }
  if (file === undefined) return value
  let text: string
  try {
    text = readFileSync(resolve(file), 'utf8').trim()
  } catch (error) {
    throw new ConfigurationError(`cannot read access.${key}_file ${file}`, { cause: error })
  }
  if (text.length < 16) {
    throw new ConfigurationError(`access.${key}_file holds a token under 16 characters`)
  }
  return text
}

export function readAccessTokens(settings: AccessConfig): AccessTokens {
  const admin = readToken(settings.admin_token, settings.admin_token_file, 'admin_token')
  const check = readToken(settings.check_token, settings.check_token_file, 'check_token')
  return {
    admin: admin === undefined ? undefined : digest(admin),
    check: check === undefined ? undefined : digest(check),
  }
}

function matches(expected: Buffer | undefined, given: Buffer): boolean {
  return expected !== undefined && timingSafeEqual(given, expected)
}

/**
 * An `onRequest` hook requiring the admin token, or for `check` either token. It runs before
 * body validation, so an unauthenticated caller learns nothing about the API's shape.
 */
export function requireAccessToken(
  tokens: AccessTokens,
  purpose: 'admin' | 'check',
): onRequestHookHandler {
  return (request, _reply, done) => {
    if (tokens.admin === undefined && (purpose === 'admin' || tokens.check === undefined)) {
      const key = purpose === 'admin' ? 'admin_token' : 'check_token'
      done(new RampartError('unauthorized', `access.${key} is not configured on this server`))
      return
    }
    const match = /^Bearer (\S+)$/i.exec(request.headers.authorization ?? '')
    const given = digest(match?.[1] ?? '')
    const accepted =
      match !== null &&
      (matches(tokens.admin, given) || (purpose === 'check' && matches(tokens.check, given)))
    done(
      accepted ? undefined : new RampartError('unauthorized', 'a valid bearer token is required'),
    )
  }
}
