/** JSON schemas of the access API, for request validation and the OpenAPI document. */
import { problemSchema } from '../../platform/problem.js'

export const tags = ['access']
export const security = [{ bearerAuth: [] }]

export const problemResponses = {
  400: problemSchema,
  401: problemSchema,
  404: problemSchema,
  409: problemSchema,
  413: problemSchema,
} as const

const nullableString = (maxLength: number) =>
  ({ anyOf: [{ type: 'string', minLength: 1, maxLength }, { type: 'null' }] }) as const
const timestamp = {
  anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }],
  description: 'RFC 3339; null or absent: never',
} as const

export const roleNameParams = {
  type: 'object',
  required: ['name'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 128 } },
} as const

export const idParams = {
  type: 'object',
  required: ['id'],
  properties: { id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const

export const cascadeQuery = {
  type: 'object',
  properties: { cascade: { type: 'string', enum: ['true', 'false'] } },
} as const

const rolePermission = {
  type: 'object',
  additionalProperties: false,
  required: ['permission'],
  properties: {
    permission: { type: 'string', minLength: 1, maxLength: 200 },
    condition: nullableString(4096),
  },
} as const

export const roleBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    description: { type: 'string', maxLength: 1000 },
    tenant: nullableString(128),
    active: { type: 'boolean' },
    parents: { type: 'array', maxItems: 100, items: { type: 'string', maxLength: 128 } },
    permissions: { type: 'array', maxItems: 1000, items: rolePermission },
  },
} as const

export const roleSchema = {
  type: 'object',
  required: ['name', 'tenant', 'active', 'parents', 'permissions'],
  properties: {
    name: { type: 'string' },
    description: { type: 'string' },
    tenant: { type: ['string', 'null'] },
    active: { type: 'boolean' },
    parents: { type: 'array', items: { type: 'string' } },
    permissions: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          permission: { type: 'string' },
          condition: { type: ['string', 'null'] },
        },
      },
    },
  },
} as const

export const bindingBody = {
  type: 'object',
  additionalProperties: false,
  required: ['subject', 'role'],
  properties: {
    subject: { type: 'string', minLength: 1, maxLength: 200 },
    role: { type: 'string', minLength: 1, maxLength: 128 },
    tenant: nullableString(128),
    resource: nullableString(300),
    expiresAt: timestamp,
  },
} as const

export const grantBody = {
  type: 'object',
  additionalProperties: false,
  required: ['subject', 'permission', 'effect'],
  properties: {
    subject: { type: 'string', minLength: 1, maxLength: 200 },
    permission: { type: 'string', minLength: 1, maxLength: 200 },
    effect: { type: 'string', enum: ['allow', 'deny'] },
    tenant: nullableString(128),
    resource: nullableString(300),
    condition: nullableString(4096),
    expiresAt: timestamp,
  },
} as const

export const groupBody = {
  type: 'object',
  additionalProperties: false,
  properties: {
    description: { type: 'string', maxLength: 1000 },
    members: { type: 'array', maxItems: 10_000, items: { type: 'string', maxLength: 200 } },
  },
} as const

const attributes = { type: 'object', additionalProperties: true, maxProperties: 100 } as const

const resourceRef = {
  type: 'object',
  additionalProperties: false,
  required: ['type', 'id'],
  properties: {
    type: { type: 'string', minLength: 1, maxLength: 63 },
    id: { type: 'string', minLength: 1, maxLength: 200 },
    attributes,
  },
} as const

const context = {
  type: 'object',
  additionalProperties: false,
  properties: {
    time: { type: 'string', format: 'date-time' },
    ip: { type: 'string', maxLength: 64 },
    mfa: { type: 'boolean' },
    attributes,
  },
} as const

const checkCore = {
  subject: { type: 'string', minLength: 1, maxLength: 200 },
  permission: { type: 'string', minLength: 1, maxLength: 200 },
  tenant: { type: 'string', minLength: 1, maxLength: 128 },
  resource: resourceRef,
  subjectAttributes: attributes,
  context,
} as const

const atLeastVersion = {
  type: 'integer',
  minimum: 0,
  description: 'Answer from this policy version or a later one (read your own writes)',
} as const

export const checkItem = {
  type: 'object',
  additionalProperties: false,
  required: ['subject', 'permission'],
  properties: checkCore,
} as const

export const checkBody = {
  ...checkItem,
  properties: { ...checkCore, atLeastVersion },
} as const

/** The largest batch `check-batch` accepts. */
export const MAX_BATCH_CHECKS = 1000

export const checkBatchBody = {
  type: 'object',
  additionalProperties: false,
  required: ['checks'],
  properties: {
    checks: { type: 'array', minItems: 1, items: checkItem },
    atLeastVersion,
  },
} as const

export const permissionsBody = {
  type: 'object',
  additionalProperties: false,
  required: ['subject'],
  properties: {
    subject: checkCore.subject,
    tenant: checkCore.tenant,
    resources: { type: 'array', maxItems: 1000, items: resourceRef },
    subjectAttributes: attributes,
    context,
    atLeastVersion,
  },
} as const

export const decisionSchema = {
  type: 'object',
  required: ['allowed', 'reason', 'version'],
  properties: {
    allowed: { type: 'boolean' },
    reason: {
      type: 'string',
      enum: ['allowed', 'denied', 'no_permission', 'condition_false', 'condition_error'],
    },
    version: { type: 'integer' },
  },
} as const
