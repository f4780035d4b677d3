/**
 * Bearer tokens for the audit API until identity exists.
 *
 * TODO(#4): replace with the access model; these two shared tokens stand in for service
 * accounts and the reader role only until issue #4 lands.
 */
import { createHash, timingSafeEqual } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

import type { FastifyRequest, onRequestHookHandler } from 'fastify'

import type { Config } from '../../config/schema.js'
import { ConfigurationError, RampartError } from '../../platform/errors.js'

export interface AuditTokens {
  readonly ingest: Buffer | undefined
  readonly read: Buffer | undefined
}

export type TokenPurpose = keyof AuditTokens

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

function readToken(value: string | undefined, file: string | undefined, key: string) {
  if (value !== undefined && file !== undefined) {
    throw new ConfigurationError(`give either audit.${key} or audit.${key}_file, not both`)
  }
  if (file === undefined) return value
  let text: string
  try {
    text = readFileSync(resolve(file), 'utf8').trim()
  } catch (error) {
    throw new ConfigurationError(`cannot read audit.${key}_file ${file}`, { cause: error })
  }
  if (text.length < 16)
    throw new ConfigurationError(`audit.${key}_file holds a token under 16 characters`)
  return text
}

/** Reads the configured tokens (and their files); only their digests are kept. */
export function readAuditTokens(settings: Config['audit']): AuditTokens {
  const ingest = readToken(settings.ingest_token, settings.ingest_token_file, 'ingest_token')
  const read = readToken(settings.read_token, settings.read_token_file, 'read_token')
  return {
    ingest: ingest === undefined ? undefined : digest(ingest),
    read: read === undefined ? undefined : digest(read),
  }
}

/**
 * Throws `unauthorized` unless the request carries the token for `purpose`. Digests of equal
 * length are compared in constant time, so neither the token nor its length leaks.
 */
export function requireToken(tokens: AuditTokens, purpose: TokenPurpose, request: FastifyRequest) {
  const expected = tokens[purpose]
  if (expected === undefined) {
    throw new RampartError(
      'unauthorized',
      `audit.${purpose}_token is not configured on this server`,
    )
  }
  const header = request.headers.authorization ?? ''
  const match = /^Bearer (\S+)$/i.exec(header)
  const given = digest(match?.[1] ?? '')
  if (match === null || !timingSafeEqual(given, expected)) {
    throw new RampartError('unauthorized', 'a valid bearer token is required')
  }
}

/** `requireToken` as an `onRequest` hook, so authentication comes before body validation. */
export function requireTokenHook(tokens: AuditTokens, purpose: TokenPurpose): onRequestHookHandler {
  return (request, _reply, done) => {
    requireToken(tokens, purpose, request)
    done()
  }
}
