/**
 * The promtool rule unit-test file format.
 */
import { z } from 'zod'

const durationText = z.union([z.string(), z.number()])

const testCase = z
  .object({
    name: z.string().optional(),
    interval: durationText.optional(),
    input_series: z
      .array(z.object({ series: z.string(), values: z.union([z.string(), z.number()]) }).strict())
      .optional(),
    alert_rule_test: z
      .array(
        z
          .object({
            eval_time: durationText,
            alertname: z.string(),
            exp_alerts: z
              .array(
                z
                  .object({
                    exp_labels: z.record(z.string(), z.string()).optional(),
                    exp_annotations: z.record(z.string(), z.string()).optional(),
                  })
                  .strict(),
              )
              .nullish(),
          })
          .strict(),
      )
      .optional(),
    promql_expr_test: z
      .array(
        z
          .object({
            expr: z.string(),
            eval_time: durationText,
            exp_samples: z
              .array(
                z
                  .object({
                    labels: z.string().optional(),
                    value: z.number().optional(),
                    histogram: z.string().optional(),
                  })
                  .strict(),
              )
              .nullish(),
          })
          .strict(),
      )
      .optional(),
    external_labels: z.record(z.string(), z.string()).optional(),
    external_url: z.string().optional(),
  })
  .strict()

export const unitTestFileSchema = z
  .object({
    rule_files: z.array(z.string()).optional(),
    evaluation_interval: durationText.optional(),
    group_eval_order: z.array(z.string()).optional(),
    tests: z.array(testCase),
  })
  .strict()

export type UnitTestFile = z.output<typeof unitTestFileSchema>
export type TestCase = z.output<typeof testCase>
