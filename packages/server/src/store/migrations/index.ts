import type { Migration } from 'kysely'
import * as foundation from './0001-foundation.js'
import * as audit from './0002-audit.js'
import * as identity from './0003-identity.js'
import * as access from './0004-access.js'
import * as alerting from './0005-alerting.js'
import * as identityWebauthn from './0006-identity-webauthn.js'
import * as alertingRuleGroups from './0007-alerting-rule-groups.js'
import * as auditSubtrees from './0008-audit-subtrees.js'
import * as accessBuiltinRoles from './0009-access-builtin-roles.js'
import * as identityJwtRevocation from './0010-identity-jwt-revocation.js'

/**
 * Every migration, in order. One set serves both dialects: migrations use Kysely's schema
 * builder and portable types only. Modules add theirs here; names never change once released.
 */
export const migrations: Readonly<Record<string, Migration>> = {
  '0001-foundation': foundation,
  '0002-audit': audit,
  '0003-identity': identity,
  '0004-access': access,
  '0005-alerting': alerting,
  '0006-identity-webauthn': identityWebauthn,
  '0007-alerting-rule-groups': alertingRuleGroups,
  '0008-audit-subtrees': auditSubtrees,
  '0009-access-builtin-roles': accessBuiltinRoles,
  '0010-identity-jwt-revocation': identityJwtRevocation,
}
