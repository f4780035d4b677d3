/**
 * The access engine: the policy snapshot format and its local evaluator. It imports nothing
 * from the rest of the server, so the Node SDK evaluates snapshots with this same code.
 */
export type {
  BindingDefinition,
  GrantDefinition,
  GrantEffect,
  GroupDefinition,
  PolicySnapshot,
  RoleDefinition,
  RolePermission,
} from './snapshot.js'
export { findRoleCycle, SNAPSHOT_FORMAT } from './snapshot.js'
export type {
  AccessRequest,
  Decision,
  DecisionReason,
  ExplainStep,
  Explanation,
  RequestContext,
  ResourceRef,
} from './request.js'
export type { EvaluatorOptions } from './evaluator.js'
export { compileSnapshot, PolicyEvaluator } from './evaluator.js'
export type { ConditionIssue, SourcePosition } from './condition.js'
export { compileCondition, MAX_CONDITION_LENGTH } from './condition.js'
export { matchingPatterns, patternMatches, permissionProblem } from './permission.js'
export { parseSubject, resourceInstanceProblem, subjectProblem } from './subject.js'
export type { SubjectRef, SubjectType } from './subject.js'
export { AccessEngineError } from './errors.js'
export type { AccessEngineErrorCode } from './errors.js'
export { listPermissions } from './permission-map.js'
export type { PermissionMap, PermissionQuery } from './permission-map.js'
