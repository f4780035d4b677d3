/** The duration fields of the alerting configuration. */
import { parseDurationMs } from '@rampart/promql'
import { z } from 'zod'

/** A Prometheus duration (`30s`, `5m`) in milliseconds. */
export const duration = z.string().transform((text, context) => {
  const ms = parseDurationMs(text)
  if (ms === undefined || ms <= 0) {
    context.addIssue({ code: 'custom', message: `"${text}" is not a duration like 30s or 5m` })
    return z.NEVER
  }
  return ms
})
