/**
 * The audit area's public surface: the module factory and service interface other modules
 * use, the event types they append, and what verifiers and consumers need.
 */
export type { AuditEvents, AuditModule } from './module.js'
export { createAuditModule } from './module.js'
export type { EventHandler, Subscription } from './log/consumers.js'
export type { ChainHead } from './log/event-log.js'
export type {
  AuditActor,
  AuditEventInput,
  AuditOutcome,
  AuditSource,
  AuditTarget,
  ChainedAuditEvent,
} from './event.js'
export type { SignedCheckpoint } from './checkpoint.js'
export type { VerifyFailure, VerifyReport, TamperKind } from './verify-report.js'
export { verifyLog } from './verify.js'
