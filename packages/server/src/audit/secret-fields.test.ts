import { describe, expect, it } from 'vitest'

import { isSecretFieldName, isSecretFieldValue } from './secret-fields.js'

describe('isSecretFieldName', () => {
  it.each([
    'password',
    'newPassword',
    'new_password',
    'PASSWORD',
    'passwd',
    'pwd',
    'client_secret',
    'clientSecret',
    'secret',
    'token',
    'accessToken',
    'refresh-token',
    'accesstoken',
    'id_token',
    'Authorization',
    'proxy-authorization',
    'cookie',
    'Set-Cookie',
    'apiKey',
    'api_key',
    'x-api-key',
    'APIKey',
    'apikey',
    'privateKey',
    'secretAccessKey',
    'credentials',
    'jwt',
    'otp',
    'passphrase',
  ])('flags %s', (name) => {
    expect(isSecretFieldName(name)).toBe(true)
  })

  it.each([
    'passwordChanged',
    'passwordHash',
    'tokenCount',
    'tokenId',
    'secretName',
    'cookieConsent',
    'idempotencyKey',
    'dedupKey',
    'keyId',
    'bypass',
    'compass',
    'author',
    'user',
    '',
  ])('lets %s through', (name) => {
    expect(isSecretFieldName(name)).toBe(false)
  })
})

describe('isSecretFieldValue', () => {
  it.each([
    ['Bearer abc', true],
    ['basic dXNlcjpwYXNz', true],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig', true],
    ['bearer', false],
    ['the bearer of bad news', false],
    ['eyJ-not-a-jwt', false],
  ])('%s → %s', (value, expected) => {
    expect(isSecretFieldValue(value)).toBe(expected)
  })
})
