/**
 * `@rampart/sdk`: make a Node.js service secure and observable the Rampart way. Import the
 * adapter of your framework, `@rampart/sdk/express` or `@rampart/sdk/fastify`; this entry
 * point holds what both share.
 */
export { RampartCore } from './rampart.js'
export type { RampartOptions } from './options.js'
export type { RampartAuth } from './auth/types.js'
export type { AuditActor, AuditEvent, DataAccess } from './audit/types.js'
export type {
  AccessDecider,
  AccessDecision,
  AccessQuery,
  ResourceDescription,
} from './access/types.js'
export type { HealthCheck, CheckResult, Readiness } from './health/checks.js'
export type { RequestContext } from './observe/context.js'
export { currentContext, formatTraceparent, parseTraceparent } from './observe/context.js'
export type { Logger } from './observe/logger.js'
export { createLogger, scrubSecrets } from './observe/logger.js'
export { unmatchedRoute } from './observe/metrics.js'
export type { CounterOptions, HistogramOptions } from './observe/metrics.js'
export {
  ConfigurationError,
  RequestRefusal,
  buildProblem,
  problemContentType,
  sdkErrorRegistry,
} from './errors.js'
export type { Problem, SdkErrorCode } from './errors.js'
