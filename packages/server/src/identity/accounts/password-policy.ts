/**
 * The password policy of NIST SP 800-63B §5.1.1.2 and ASVS V2.1: a minimum length (12 by
 * default), at least 64 characters allowed, no composition rules unless configured, no
 * password found in the list of common passwords or built from the account's email, and a
 * zxcvbn-ts strength estimate of at least 3 of 4 by default.
 */
import { readFileSync } from 'node:fs'

import { ZxcvbnFactory } from '@zxcvbn-ts/core'
import * as common from '@zxcvbn-ts/language-common'

export interface PasswordPolicyOptions {
  readonly minLength: number
  readonly maxLength: number
  /** Lowest zxcvbn score (0-4) accepted; 0 skips the estimate. */
  readonly minStrength: number
  /** How many character classes a password must mix; 0 for none. */
  readonly requiredClasses: number
}

/** Why a password was refused; the `message` is shown to the user. */
export interface PasswordRejection {
  readonly reason:
    'too_short' | 'too_long' | 'common' | 'similar_to_email' | 'too_weak' | 'composition'
  readonly message: string
}

let commonPasswords: ReadonlySet<string> | undefined
let estimator: ZxcvbnFactory | undefined

/** zxcvbn-ts with its common dictionaries and keyboard graphs, built on first use. */
function strengthEstimator(): ZxcvbnFactory {
  estimator ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary },
    graphs: common.adjacencyGraphs,
  })
  return estimator
}

const characterClasses = [/\p{Ll}/u, /\p{Lu}/u, /\p{N}/u, /[^\p{L}\p{N}]/u]

/** The 10,000 most common passwords (see assets/identity/README.md), lower-cased, read once. */
function loadCommonPasswords(): ReadonlySet<string> {
  const text = readFileSync(
    new URL('../../../assets/identity/common-passwords.txt', import.meta.url),
    'utf8',
  )
  return new Set(text.split('\n').map((line) => line.trim().toLowerCase()))
}

/** Counts code points, as NIST asks, so a character outside the BMP is one character. */
function lengthOf(password: string): number {
  let count = 0
  for (const character of password) count += character.length > 0 ? 1 : 0
  return count
}

export class PasswordPolicy {
  readonly #options: PasswordPolicyOptions

  constructor(options: PasswordPolicyOptions) {
    this.#options = options
  }

  /** The reason `password` is refused for the account `email`, or undefined when accepted. */
  check(password: string, email: string): PasswordRejection | undefined {
    const length = lengthOf(password)
    if (length < this.#options.minLength) {
      return {
        reason: 'too_short',
        message: `must be at least ${this.#options.minLength} characters`,
      }
    }
    if (length > this.#options.maxLength) {
      return {
        reason: 'too_long',
        message: `must be at most ${this.#options.maxLength} characters`,
      }
    }

    const lowered = password.normalize('NFKC').toLowerCase()
    commonPasswords ??= loadCommonPasswords()
    if (commonPasswords.has(lowered)) {
      return { reason: 'common', message: 'is in a list of commonly used passwords' }
    }

    const local = email.toLowerCase().split('@')[0] ?? ''
    const condensed = lowered.replace(/[^\p{L}\p{N}]/gu, '')
    if (local.length >= 4 && (condensed.includes(local) || lowered.includes(local))) {
      return { reason: 'similar_to_email', message: 'must not contain the email address' }
    }

    const classes = characterClasses.filter((pattern) => pattern.test(password)).length
    if (classes < this.#options.requiredClasses) {
      return {
        reason: 'composition',
        message:
          `must mix at least ${this.#options.requiredClasses} of lower case, upper case, ` +
          'digits and symbols',
      }
    }

    if (this.#options.minStrength > 0) {
      // The estimate is superlinear in length; the first 100 characters decide.
      const result = strengthEstimator().check(password.slice(0, 100), [email, local])
      if (result.score < this.#options.minStrength) {
        return { reason: 'too_weak', message: 'is too easy to guess (common words or patterns)' }
      }
    }
    return undefined
  }
}
