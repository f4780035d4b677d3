/**
 * Reading the public key(s) an auditor pins: a PEM file (one or more SPKI keys), the JSON
 * `GET /v1/audit/keys` answers, one exported key as JSON, or the raw key in base64.
 */
import type { JsonWebKey } from 'node:crypto'
import { readFileSync } from 'node:fs'

import type { PublicKeyInput } from '../signing-key.js'
import { importPublicKey } from '../signing-key.js'

const pemBlock = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g

function fromJson(value: unknown): PublicKeyInput[] {
  const keys = (value as { keys?: unknown }).keys
  const list = Array.isArray(keys) ? (keys as unknown[]) : [value]
  return list.map((item): PublicKeyInput => {
    const key = item as { spkiPem?: unknown; jwk?: unknown; rawBase64?: unknown }
    if (typeof key.spkiPem === 'string') return { spkiPem: key.spkiPem }
    if (typeof key.rawBase64 === 'string') return { rawBase64: key.rawBase64 }
    if (typeof key.jwk === 'object' && key.jwk !== null) return { jwk: key.jwk as JsonWebKey }
    return { jwk: item as JsonWebKey }
  })
}

/** The keys in `path`; throws `AUDIT_KEY_INVALID` when one is not an Ed25519 public key. */
export function readPublicKeyFile(path: string): PublicKeyInput[] {
  const text = readFileSync(path, 'utf8').trim()
  const pems = text.match(pemBlock)
  const inputs: PublicKeyInput[] =
    pems !== null
      ? pems.map((spkiPem) => ({ spkiPem }))
      : text.startsWith('{')
        ? fromJson(JSON.parse(text))
        : [{ rawBase64: text }]
  return inputs.map((input) => importPublicKey(input))
}
