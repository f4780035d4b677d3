import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { describe, expect, it } from 'vitest'

import { findTestdata } from '../../test-support/testdata.js'
import { PasswordHasher } from './passwords.js'
import { PasswordPolicy } from './password-policy.js'

const policy = new PasswordPolicy({
  minLength: 12,
  maxLength: 128,
  minStrength: 3,
  requiredClasses: 0,
})

describe('password policy', () => {
  it.each([
    ['short1234', 'too_short', 'must be at least 12 characters'],
    ['x'.repeat(129), 'too_long', 'must be at most 128 characters'],
    ['unbelievable', 'common', 'is in a list of commonly used passwords'],
    ['Contortionist', 'common', 'is in a list of commonly used passwords'],
    ['my-alice.smith-pass!', 'similar_to_email', 'must not contain the email address'],
    ['aaaaaaaaaaaaaaaa', 'too_weak', 'is too easy to guess (common words or patterns)'],
    ['qwertyuiopasdfgh', 'too_weak', 'is too easy to guess (common words or patterns)'],
    ['password12345678', 'too_weak', 'is too easy to guess (common words or patterns)'],
  ])('refuses %j as %s', (password, reason, message) => {
    expect(policy.check(password, 'Alice.Smith@example.com')).toEqual({ reason, message })
  })

  it.each([
    'correct horse battery staple',
    'ÄÖÜ äöü ß 12 chars',
    // 64 characters and more are allowed (NIST SP 800-63B), with no composition rules.
    'a'.repeat(40) + ' lower case only, no digits here',
  ])('accepts %j', (password) => {
    expect(policy.check(password, 'alice@example.com')).toBeUndefined()
  })

  it('counts characters, not UTF-16 units, for the minimum length', () => {
    expect(policy.check('🔒🔒🔒🔒🔒🔒🔒🔒🔒🔒🔒', 'a@example.com')?.reason).toBe('too_short')
  })

  const directory = findTestdata('passwords')
  it.skipIf(directory === undefined)('refuses every entry of the shared list long enough', () => {
    const list = readFileSync(join(directory ?? '', '10k-most-common.txt'), 'utf8')
    const long = list
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => [...line].length >= 12)
    expect(long.length).toBeGreaterThan(0)
    for (const password of long) {
      expect(policy.check(password, 'nobody@example.com')?.reason).toBe('common')
    }
  })
})

describe('argon2id hashing', () => {
  const hasher = new PasswordHasher({ memoryKib: 19_456, iterations: 2, parallelism: 1 })

  it('hashes with the configured parameters and verifies', async () => {
    const hash = await hasher.hash('correct horse battery staple')
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/)
    expect(await hasher.verify(hash, 'correct horse battery staple')).toBe(true)
    expect(await hasher.verify(hash, 'correct horse battery stapl')).toBe(false)
    expect(await hasher.verify('not a hash', 'x')).toBe(false)
  })

  it.each([
    ['$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', false],
    ['$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA', false],
    ['$argon2id$v=19$m=15360,t=2,p=1$c2FsdA$aGFzaA', true],
    ['$argon2id$v=19$m=19456,t=1,p=1$c2FsdA$aGFzaA', true],
    ['$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA', true],
    ['$2b$10$abcdefghijklmnopqrstuuABCDEFGHIJKLMNOPQRSTUVWXYZ01234', true],
  ])('needsRehash(%s) is %s', (hash, expected) => {
    expect(hasher.needsRehash(hash)).toBe(expected)
  })
})

describe('optional composition policy', () => {
  const strict = new PasswordPolicy({
    minLength: 12,
    maxLength: 128,
    minStrength: 0,
    requiredClasses: 3,
  })

  it('asks for the configured mix of character classes', () => {
    expect(strict.check('only lower case words', 'x@example.com')).toEqual({
      reason: 'composition',
      message: 'must mix at least 3 of lower case, upper case, digits and symbols',
    })
    expect(strict.check('Mixed Case and 4 digits', 'x@example.com')).toBeUndefined()
  })
})
