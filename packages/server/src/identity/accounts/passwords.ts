/**
 * Password hashing with argon2id (`@node-rs/argon2`, whose async API runs on libuv's thread
 * pool, off the event loop). Stored hashes are PHC strings, so their parameters travel with
 * them and a hash made under weaker parameters is recognised and re-computed at next login.
 */
import { randomBytes } from 'node:crypto'

import type { Algorithm } from '@node-rs/argon2'
import { hash, verify } from '@node-rs/argon2'
import bcrypt from 'bcryptjs'

// `Algorithm` is a const enum, which isolated modules cannot read: Argon2id is 2.
const argon2id = 2 as Algorithm

const bcryptPattern = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/
const argon2Pattern = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/

export function isBcrypt(stored: string): boolean {
  return bcryptPattern.test(stored)
}

/** True for a hash Rampart can import: bcrypt (upgraded at next login) or argon2id. */
export function isImportableHash(stored: string): boolean {
  return bcryptPattern.test(stored) || argon2Pattern.test(stored)
}

export interface Argon2Parameters {
  readonly memoryKib: number
  readonly iterations: number
  readonly parallelism: number
}

export class PasswordHasher {
  readonly #parameters: Argon2Parameters
  #dummyHash: Promise<string> | undefined

  constructor(parameters: Argon2Parameters) {
    this.#parameters = parameters
  }

  hash(password: string): Promise<string> {
    return hash(password, {
      algorithm: argon2id,
      memoryCost: this.#parameters.memoryKib,
      timeCost: this.#parameters.iterations,
      parallelism: this.#parameters.parallelism,
    })
  }

  /**
   * True when `password` matches `stored` (argon2id, or bcrypt imported from another system);
   * false for a mismatch or an unreadable hash.
   */
  async verify(stored: string, password: string): Promise<boolean> {
    try {
      // bcryptjs's async compare yields to the event loop between rounds.
      if (isBcrypt(stored)) return await bcrypt.compare(password, stored)
      return await verify(stored, password)
    } catch {
      return false
    }
  }

  /**
   * Spends the time of one verification against a hash nobody's password matches, so an
   * unknown account answers as slowly as a wrong password (no enumeration by timing).
   */
  async verifyNothing(password: string): Promise<false> {
    this.#dummyHash ??= this.hash(randomBytes(32).toString('base64url'))
    await this.verify(await this.#dummyHash, password)
    return false
  }

  /** True when `stored` is not argon2id or was made with weaker parameters than today's. */
  needsRehash(stored: string): boolean {
    const match = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/.exec(stored)
    if (match === null) return true
    const [memory, iterations, parallelism] = match.slice(1).map(Number) as [number, number, number]
    return (
      memory < this.#parameters.memoryKib ||
      iterations < this.#parameters.iterations ||
      parallelism < this.#parameters.parallelism
    )
  }
}
