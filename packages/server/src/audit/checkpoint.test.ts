import { spawnSync } from 'node:child_process'
import { createPublicKey, verify, webcrypto } from 'node:crypto'

import { describe, expect, it } from 'vitest'

import { canonicalize } from './canonical-json.js'
import {
  checkpointSigningBytes,
  createCheckpoint,
  hashCheckpoint,
  parseCheckpoint,
  verifyCheckpointSignature,
} from './checkpoint.js'
import { GENESIS_HASH } from './hashing.js'
import { EMPTY_TREE_ROOT } from './merkle.js'
import {
  exportPublicKey,
  generateSigningKey,
  importPublicKey,
  loadSigningKey,
} from './signing-key.js'

const key = generateSigningKey()
const published = exportPublicKey(key.publicKey)
const TIMESTAMP = new Date('2024-05-01T12:00:00.000Z')

const first = createCheckpoint(
  {
    treeSize: 0,
    rootHash: EMPTY_TREE_ROOT.toString('hex'),
    lastEventHash: GENESIS_HASH,
    timestamp: TIMESTAMP,
  },
  key,
)
const second = createCheckpoint(
  {
    treeSize: 10,
    rootHash: 'ab'.repeat(32),
    lastEventHash: 'cd'.repeat(32),
    previous: first,
    timestamp: TIMESTAMP,
  },
  key,
)

/** What an auditor reconstructs from a checkpoint with nothing but a JCS encoder. */
function auditorBytes(checkpoint: Record<string, unknown>): Buffer {
  const body = { ...checkpoint }
  delete body.signature
  return Buffer.from(canonicalize(body), 'utf8')
}

describe('checkpoints', () => {
  it('chain to the previous checkpoint, the first to the genesis hash', () => {
    expect(first.previousCheckpointHash).toBe(GENESIS_HASH)
    expect(second.previousCheckpointHash).toBe(hashCheckpoint(first))
    expect(second.keyId).toBe(published.keyId)
  })

  it('sign exactly the JCS encoding of every member but the signature', () => {
    expect(checkpointSigningBytes(second)).toEqual(auditorBytes({ ...second }))
  })

  it('verify with node:crypto given only the published JWK', () => {
    const publicKey = createPublicKey({ key: { ...published.jwk }, format: 'jwk' })
    const signature = Buffer.from(second.signature, 'base64url')

    expect(verify(null, auditorBytes({ ...second }), publicKey, signature)).toBe(true)
  })

  it('verify with WebCrypto given only the raw public key', async () => {
    const raw = Buffer.from(published.rawBase64, 'base64')
    const publicKey = await webcrypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, [
      'verify',
    ])
    const signature = Buffer.from(second.signature, 'base64url')

    await expect(
      webcrypto.subtle.verify(
        { name: 'Ed25519' },
        publicKey,
        signature,
        auditorBytes({ ...second }),
      ),
    ).resolves.toBe(true)
  })

  const python = spawnSync('python3', ['-c', 'import cryptography'], { encoding: 'utf8' })
  it.skipIf(python.status !== 0)('verify with Python cryptography given only the PEM', () => {
    const script = [
      'import sys, json, base64',
      'from cryptography.hazmat.primitives.serialization import load_pem_public_key',
      'data = json.load(sys.stdin)',
      'key = load_pem_public_key(data["pem"].encode())',
      'cp = data["checkpoint"]',
      'sig = base64.urlsafe_b64decode(cp.pop("signature") + "==")',
      'body = json.dumps(cp, sort_keys=True, separators=(",", ":"), ensure_ascii=False)',
      'key.verify(sig, body.encode())',
      'print("ok")',
    ].join('\n')
    const input = JSON.stringify({ pem: published.spkiPem, checkpoint: second })
    const result = spawnSync('python3', ['-c', script], { input, encoding: 'utf8' })

    expect(result.stderr).toBe('')
    expect(result.stdout.trim()).toBe('ok')
  })

  it('verify through every published form of the key', () => {
    for (const form of [
      { spkiPem: published.spkiPem },
      { rawBase64: published.rawBase64 },
      { jwk: { ...published.jwk } },
    ]) {
      expect(verifyCheckpointSignature(second, importPublicKey(form))).toBe(true)
    }
  })

  it.each([
    ['a changed root', { rootHash: 'ef'.repeat(32) }],
    ['a changed size', { treeSize: 11 }],
    ['a changed timestamp', { timestamp: '2024-05-01T12:00:00.001Z' }],
    [
      'a signature from another key',
      {
        signature: createCheckpoint(
          { ...second, timestamp: TIMESTAMP, previous: first },
          generateSigningKey(),
        ).signature,
      },
    ],
  ])('fail to verify after %s', (_name, change) => {
    expect(verifyCheckpointSignature({ ...second, ...change }, key.publicKey)).toBe(false)
  })

  it('round-trip through JSON and parse strictly', () => {
    const parsed = parseCheckpoint(JSON.parse(JSON.stringify(second)))

    expect(parsed).toEqual(second)
    expect(() => parseCheckpoint({ ...second, extra: 1 })).toThrowError(/Unrecognized key/)
    expect(() => parseCheckpoint({ ...second, rootHash: 'AB' })).toThrowError(/rootHash/)
  })

  it('refuse to shrink the tree', () => {
    const shrink = () =>
      createCheckpoint({ ...second, treeSize: 5, previous: second, timestamp: TIMESTAMP }, key)

    expect(shrink).toThrowError(expect.objectContaining({ code: 'AUDIT_CHECKPOINT_INVALID' }))
  })
})

describe('signing keys', () => {
  it('reload from PKCS#8 PEM with the same key id', () => {
    const pem = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()

    expect(loadSigningKey(pem).keyId).toBe(key.keyId)
  })

  it('use the RFC 7638 thumbprint as key id (RFC 8037 Appendix A.3 example)', () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' }

    expect(exportPublicKey(importPublicKey({ jwk })).keyId).toBe(
      'kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k',
    )
  })

  it.each([
    ['a short raw key', { rawBase64: 'AAAA' }],
    [
      'an X25519 JWK',
      { jwk: { kty: 'OKP', crv: 'X25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' } },
    ],
    ['garbage PEM', { spkiPem: 'nope' }],
  ])('reject %s', (_name, form) => {
    expect(() => importPublicKey(form)).toThrowError(
      expect.objectContaining({ code: 'AUDIT_KEY_INVALID' }),
    )
  })
})
