/**
 * JSON schemas of the audit API, for request validation and the OpenAPI document.
 */
import { problemSchema } from '../../platform/problem.js'

const hexHash = { type: 'string', pattern: '^[0-9a-f]{64}$' } as const
/** Query strings are not coerced by the platform's validator: integers arrive as digits. */
const positiveInteger = { type: 'string', pattern: '^[1-9][0-9]{0,15}$' } as const
const nonNegativeInteger = { type: 'string', pattern: '^(0|[1-9][0-9]{0,15})$' } as const

export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  413: problemSchema,
} as const

/** A chained event as the API returns it; `fields` is free-form JSON. */
export const chainedEventSchema = {
  type: 'object',
  additionalProperties: true,
  required: ['seq', 'id', 'type', 'occurredAt', 'recordedAt', 'hash', 'prevHash'],
  properties: {
    seq: { type: 'integer' },
    id: { type: 'string' },
    type: { type: 'string' },
    occurredAt: { type: 'string' },
    recordedAt: { type: 'string' },
    hash: hexHash,
    prevHash: hexHash,
  },
} as const

export const checkpointSchema = {
  type: 'object',
  required: [
    'format',
    'treeSize',
    'rootHash',
    'lastEventHash',
    'previousCheckpointHash',
    'timestamp',
    'keyId',
    'signature',
  ],
  properties: {
    format: { type: 'string' },
    treeSize: { type: 'integer' },
    rootHash: hexHash,
    lastEventHash: hexHash,
    previousCheckpointHash: hexHash,
    timestamp: { type: 'string' },
    keyId: { type: 'string' },
    signature: { type: 'string', description: 'Ed25519 signature, base64url' },
  },
} as const

export const eventFilterQuerySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 128, description: 'type prefix' },
    actorId: { type: 'string', minLength: 1, maxLength: 256 },
    targetId: { type: 'string', minLength: 1, maxLength: 256 },
    outcome: { type: 'string', enum: ['success', 'failure', 'denied'] },
    from: { type: 'string', format: 'date-time', description: 'occurredAt at or after' },
    to: { type: 'string', format: 'date-time', description: 'occurredAt before' },
    requestId: { type: 'string', minLength: 1, maxLength: 128 },
  },
} as const

export const keysResponseSchema = {
  type: 'object',
  required: ['keys'],
  properties: {
    keys: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          keyId: { type: 'string' },
          spkiPem: { type: 'string' },
          rawBase64: { type: 'string' },
          jwk: { type: 'object', additionalProperties: true },
          status: { type: 'string', enum: ['active', 'retired'] },
          createdAt: { type: 'string' },
        },
      },
    },
  },
} as const

export const ingestBodySchema = {
  type: 'object',
  required: ['events'],
  additionalProperties: false,
  properties: {
    events: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        required: ['idempotencyKey', 'event'],
        additionalProperties: false,
        properties: {
          // Both are checked per event, so one bad event is rejected on its own.
          idempotencyKey: { description: '1 to 200 characters, unique per event' },
          event: { description: 'an audit event' },
        },
      },
    },
  },
} as const

export const ingestResponseSchema = {
  type: 'object',
  required: ['accepted', 'duplicates', 'rejected', 'results'],
  properties: {
    accepted: { type: 'integer' },
    duplicates: { type: 'integer' },
    rejected: { type: 'integer' },
    results: {
      type: 'array',
      items: {
        type: 'object',
        required: ['status'],
        properties: {
          status: { type: 'string', enum: ['accepted', 'duplicate', 'rejected'] },
          seq: { type: ['integer', 'null'] },
          id: { type: 'string' },
          issues: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                path: { type: 'string' },
                code: { type: 'string' },
                message: { type: 'string' },
              },
            },
          },
        },
      },
    },
  },
} as const

export { hexHash, nonNegativeInteger, positiveInteger }
