/**
 * A WebAuthn authenticator in software for server-side tests: a P-256 key, `none`
 * attestation and ES256 assertions built byte by byte as the spec lays them out, so the
 * server's verification runs on real signatures. Overrides produce the broken answers an
 * attacker or a confused browser would send.
 */
import { createHash, generateKeyPairSync, randomBytes, sign } from 'node:crypto'

import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server'
import { isoCBOR } from '@simplewebauthn/server/helpers'

export interface ClientDataOverrides {
  readonly origin?: string
  readonly challenge?: string
  readonly credentialId?: string
}

const flagUserPresent = 0x01
const flagUserVerified = 0x04
const flagAttestedData = 0x40

function sha256(data: Uint8Array | string): Buffer {
  return createHash('sha256').update(data).digest()
}

function uint32(value: number): Buffer {
  const buffer = Buffer.alloc(4)
  buffer.writeUInt32BE(value)
  return buffer
}

export class SoftwareAuthenticator {
  readonly credentialId = randomBytes(16).toString('base64url')
  readonly #keys = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  readonly #rpId: string
  readonly #origin: string
  /** The signature counter; tests may set it back to act as a cloned authenticator. */
  counter = 0

  constructor(rpId: string, origin: string) {
    this.#rpId = rpId
    this.#origin = origin
  }

  register(challenge: string, overrides: ClientDataOverrides = {}): RegistrationResponseJSON {
    const clientData = this.#clientData('webauthn.create', challenge, overrides)
    const jwk = this.#keys.publicKey.export({ format: 'jwk' })
    const coseKey = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x ?? '', 'base64url')],
      [-3, Buffer.from(jwk.y ?? '', 'base64url')],
    ])
    const id = Buffer.from(this.credentialId, 'base64url')
    const idLength = Buffer.alloc(2)
    idLength.writeUInt16BE(id.length)
    const authData = Buffer.concat([
      sha256(this.#rpId),
      Buffer.from([flagUserPresent | flagUserVerified | flagAttestedData]),
      uint32(this.counter),
      Buffer.alloc(16), // AAGUID: none
      idLength,
      id,
      isoCBOR.encode(coseKey),
    ])
    const attestationObject = isoCBOR.encode(
      new Map<string, string | Uint8Array | Map<string, string>>([
        ['fmt', 'none'],
        ['attStmt', new Map<string, string>()],
        ['authData', authData],
      ]),
    )
    return {
      id: this.credentialId,
      rawId: this.credentialId,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: Buffer.from(clientData).toString('base64url'),
        attestationObject: Buffer.from(attestationObject).toString('base64url'),
        transports: ['internal'],
      },
    }
  }

  assert(challenge: string, overrides: ClientDataOverrides = {}): AuthenticationResponseJSON {
    this.counter += 1
    const clientData = this.#clientData('webauthn.get', challenge, overrides)
    const authData = Buffer.concat([
      sha256(this.#rpId),
      Buffer.from([flagUserPresent | flagUserVerified]),
      uint32(this.counter),
    ])
    // ES256 signature (DER, as WebAuthn carries it) over authData || SHA-256(clientDataJSON).
    const signature = sign('sha256', Buffer.concat([authData, sha256(clientData)]), {
      key: this.#keys.privateKey,
    })
    const id = overrides.credentialId ?? this.credentialId
    return {
      id,
      rawId: id,
      type: 'public-key',
      clientExtensionResults: {},
      response: {
        clientDataJSON: Buffer.from(clientData).toString('base64url'),
        authenticatorData: authData.toString('base64url'),
        signature: signature.toString('base64url'),
      },
    }
  }

  #clientData(type: string, challenge: string, overrides: ClientDataOverrides): string {
    return JSON.stringify({
      type,
      challenge: overrides.challenge ?? challenge,
      origin: overrides.origin ?? this.#origin,
      crossOrigin: false,
    })
  }
}
