/**
 * SLO specs in Sloth's `prometheus/v1` format (and its Kubernetes `PrometheusServiceLevel`
 * form): a service, labels and SLOs with an events or raw SLI, an objective and alerting.
 */
import { readFileSync } from 'node:fs'
import { parseAllDocuments } from 'yaml'
import { z } from 'zod'

const alertOverrideFields = z.object({
  disable: z.boolean().default(false),
  labels: z.record(z.string(), z.string()).default({}),
  annotations: z.record(z.string(), z.string()).default({}),
})
const alertOverrides = alertOverrideFields.prefault({})

const sli = z
  .object({
    events: z
      .object({
        error_query: z.string().optional(),
        total_query: z.string().optional(),
        errorQuery: z.string().optional(),
        totalQuery: z.string().optional(),
      })
      .transform((events, context) => {
        const errorQuery = events.error_query ?? events.errorQuery
        const totalQuery = events.total_query ?? events.totalQuery
        if (errorQuery === undefined || totalQuery === undefined) {
          context.addIssue({ code: 'custom', message: 'events need error_query and total_query' })
          return z.NEVER
        }
        return { errorQuery, totalQuery }
      })
      .optional(),
    raw: z
      .object({ error_ratio_query: z.string().optional(), errorRatioQuery: z.string().optional() })
      .transform((raw, context) => {
        const errorRatioQuery = raw.error_ratio_query ?? raw.errorRatioQuery
        if (errorRatioQuery === undefined) {
          context.addIssue({ code: 'custom', message: 'raw needs error_ratio_query' })
          return z.NEVER
        }
        return { errorRatioQuery }
      })
      .optional(),
  })
  .refine((value) => (value.events === undefined) !== (value.raw === undefined), {
    message: 'an SLI has exactly one of events and raw',
  })

const slo = z.object({
  name: z.string().regex(/^[a-zA-Z0-9_-]+$/, 'must be letters, digits, - and _'),
  objective: z.number().gt(0).lt(100),
  description: z.string().default(''),
  labels: z.record(z.string(), z.string()).default({}),
  sli,
  alerting: z
    .object({
      name: z.string().optional(),
      labels: z.record(z.string(), z.string()).default({}),
      annotations: z.record(z.string(), z.string()).default({}),
      page_alert: alertOverrides,
      ticket_alert: alertOverrides,
      // The Kubernetes form spells these in camelCase.
      pageAlert: alertOverrideFields.optional(),
      ticketAlert: alertOverrideFields.optional(),
    })
    .prefault({}),
})

export const slothSpecSchema = z.object({
  version: z.literal('prometheus/v1'),
  service: z.string().min(1),
  labels: z.record(z.string(), z.string()).default({}),
  slos: z.array(slo).min(1),
})

export type SlothSpec = z.output<typeof slothSpecSchema>
export type SloSpec = z.output<typeof slo>

/** Reads every spec of a YAML file: `prometheus/v1` documents, or the Kubernetes CRD form. */
export function parseSlothSpecs(text: string, file: string): SlothSpec[] {
  return parseAllDocuments(text).flatMap((document, index) => {
    if (document.errors.length > 0) {
      throw new Error(`${file}: document ${index + 1}: ${document.errors[0]?.message ?? ''}`)
    }
    const raw = document.toJS() as Record<string, unknown> | null
    if (raw === null) return []
    const candidate =
      raw.kind === 'PrometheusServiceLevel'
        ? { version: 'prometheus/v1', ...(raw.spec as Record<string, unknown>) }
        : raw
    const parsed = slothSpecSchema.safeParse(candidate)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      throw new Error(
        `${file}: document ${index + 1}: ${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''}`,
      )
    }
    for (const item of parsed.data.slos) {
      item.alerting.page_alert = item.alerting.pageAlert ?? item.alerting.page_alert
      item.alerting.ticket_alert = item.alerting.ticketAlert ?? item.alerting.ticket_alert
    }
    return [parsed.data]
  })
}

export function loadSlothSpecs(file: string): SlothSpec[] {
  return parseSlothSpecs(readFileSync(file, 'utf8'), file)
}
