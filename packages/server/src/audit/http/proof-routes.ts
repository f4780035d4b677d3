/**
 * Public verification material: signing keys, checkpoints and RFC 9162 proofs. Hashes are
 * lowercase hex throughout; signatures base64url.
 */
import type { FastifyInstance } from 'fastify'

import { listCheckpoints } from '../log/checkpoint-store.js'
import { proveConsistency, proveInclusion } from '../log/proofs.js'
import { listPublishedKeys } from '../log/signing-keys.js'
import type { AuditRouteDeps } from './routes.js'
import {
  checkpointSchema,
  hexHash,
  keysResponseSchema,
  nonNegativeInteger,
  positiveInteger,
  problemResponses,
} from './schemas.js'

const tags = ['audit']

export function registerProofRoutes(server: FastifyInstance, deps: AuditRouteDeps): void {
  const { db } = deps

  server.get(
    '/v1/audit/keys',
    {
      schema: {
        summary: 'Public keys that sign audit checkpoints (PEM, raw base64 and JWK)',
        tags,
        response: { 200: keysResponseSchema },
      },
    },
    async () => ({ keys: await listPublishedKeys(db) }),
  )

  server.get<{ Querystring: { after?: string; limit?: string } }>(
    '/v1/audit/checkpoints',
    {
      schema: {
        summary: 'Signed checkpoints, oldest first',
        tags,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            after: { ...nonNegativeInteger, description: 'only tree sizes above this' },
            limit: { ...positiveInteger, description: 'at most 1000; default 100' },
          },
        },
        response: {
          200: {
            type: 'object',
            required: ['checkpoints'],
            properties: { checkpoints: { type: 'array', items: checkpointSchema } },
          },
          ...problemResponses,
        },
      },
    },
    async (request) => {
      const limit = Math.min(1000, Number(request.query.limit ?? 100))
      const stored = await listCheckpoints(db, Number(request.query.after ?? 0), limit)
      return { checkpoints: stored.map((item) => item.checkpoint) }
    },
  )

  server.get<{ Querystring: { seq: string; treeSize?: string } }>(
    '/v1/audit/proofs/inclusion',
    {
      schema: {
        summary: 'RFC 9162 inclusion proof of an event (hashes in hex)',
        tags,
        querystring: {
          type: 'object',
          required: ['seq'],
          additionalProperties: false,
          properties: {
            seq: positiveInteger,
            treeSize: { ...positiveInteger, description: 'default: the whole log' },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              seq: { type: 'integer' },
              leafIndex: { type: 'integer' },
              treeSize: { type: 'integer' },
              eventHash: hexHash,
              leafHash: hexHash,
              rootHash: hexHash,
              inclusionPath: { type: 'array', items: hexHash },
              checkpoint: checkpointSchema,
            },
          },
          ...problemResponses,
        },
      },
    },
    ({ query }) =>
      proveInclusion(
        db,
        Number(query.seq),
        query.treeSize === undefined ? undefined : Number(query.treeSize),
      ),
  )

  server.get<{ Querystring: { from: string; to: string } }>(
    '/v1/audit/proofs/consistency',
    {
      schema: {
        summary: 'RFC 9162 consistency proof between two tree sizes (hashes in hex)',
        tags,
        querystring: {
          type: 'object',
          required: ['from', 'to'],
          additionalProperties: false,
          properties: { from: positiveInteger, to: positiveInteger },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              fromTreeSize: { type: 'integer' },
              toTreeSize: { type: 'integer' },
              fromRootHash: hexHash,
              toRootHash: hexHash,
              consistencyPath: { type: 'array', items: hexHash },
            },
          },
          ...problemResponses,
        },
      },
    },
    ({ query }) => proveConsistency(db, Number(query.from), Number(query.to)),
  )
}
