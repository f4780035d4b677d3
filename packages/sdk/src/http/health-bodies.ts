import type { Readiness } from '../health/checks.js'

/** The JSON body of `/readyz`: overall status and one entry per check. */
export function readinessBody(readiness: Readiness): Record<string, unknown> {
  return { status: readiness.status, checks: readiness.checks }
}
