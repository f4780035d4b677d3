/**
 * The rule groups and the error-budget view of the configured SLOs.
 */
import { readFileSync } from 'node:fs'
import { parse, stringify } from 'yaml'
import type { RuleBackend } from '../evaluation/rule-querier.js'
import { parseRuleFile } from '../rules/parse-rule-file.js'
import type { RuleGroup } from '../rules/rule-file.js'
import { formatWindow, generateSloGroups, sloId } from './generate-rules.js'
import type { SloSpec, SlothSpec } from './spec.js'
import { loadSlothSpecs } from './spec.js'
import type { AlertWindows } from './windows.js'
import { defaultAlertWindows, parseAlertWindows } from './windows.js'
import { parseExpr } from '@rampart/promql'

export interface LoadedSlos {
  readonly specs: readonly { spec: SlothSpec; slo: SloSpec }[]
  readonly windows: AlertWindows
  readonly groups: RuleGroup[]
  /** The generated rules as a Prometheus rule file, for a real Prometheus. */
  readonly ruleFile: string
}

/** Loads SLO spec files and generates their rules (validated like any rule file). */
export function loadSlos(files: readonly string[], windowsFile: string | undefined): LoadedSlos {
  const windows =
    windowsFile === undefined
      ? defaultAlertWindows()
      : parseAlertWindows(
          (
            parse(readFileSync(windowsFile, 'utf8')) as {
              spec: Parameters<typeof parseAlertWindows>[0]
            }
          ).spec,
        )
  const specs = files.flatMap((file) =>
    loadSlothSpecs(file).flatMap((spec) => spec.slos.map((slo) => ({ spec, slo }))),
  )
  const generated = specs.flatMap(({ spec, slo }) => generateSloGroups(spec, slo, windows))
  const ruleFile = stringify({ groups: generated })
  return { specs, windows, groups: parseRuleFile(ruleFile, 'slos'), ruleFile }
}

async function scalarOf(
  backend: RuleBackend,
  query: string,
  timeMs: number,
): Promise<number | null> {
  const samples = await backend.query(query, parseExpr(query), timeMs)
  const value = samples[0]?.value
  return value === undefined || Number.isNaN(value) ? null : value
}

/** Each SLO's objective, SLI, error budget left and burn rates at `timeMs`. */
export async function sloReport(loaded: LoadedSlos, backend: RuleBackend, timeMs: number) {
  return Promise.all(
    loaded.specs.map(async ({ spec, slo }) => {
      const id = sloId(spec, slo)
      const selector = `{sloth_id="${id}"}`
      const windows = [
        ...new Set(
          [
            loaded.windows.pageQuick,
            loaded.windows.pageSlow,
            loaded.windows.ticketQuick,
            loaded.windows.ticketSlow,
          ].flatMap((window) => [window.shortMs, window.longMs]),
        ),
      ].sort((a, b) => a - b)
      const budget = (100 - slo.objective) / 100
      const burnRates: Record<string, number | null> = {}
      for (const ms of windows) {
        const name = formatWindow(ms)
        const ratio = await scalarOf(backend, `slo:sli_error:ratio_rate${name}${selector}`, timeMs)
        burnRates[name] = ratio === null ? null : ratio / budget
      }
      const periodErrorRatio = await scalarOf(
        backend,
        `slo:sli_error:ratio_rate${formatWindow(loaded.windows.periodMs)}${selector}`,
        timeMs,
      )
      return {
        id,
        service: spec.service,
        name: slo.name,
        description: slo.description,
        // Rounded for display: 99.9 / 100 is 0.9990000000000001 in binary floating point.
        objective: Number((slo.objective / 100).toFixed(12)),
        periodDays: loaded.windows.periodMs / 86_400_000,
        sli: periodErrorRatio === null ? null : 1 - periodErrorRatio,
        errorBudget: Number(budget.toFixed(12)),
        errorBudgetRemaining: periodErrorRatio === null ? null : 1 - periodErrorRatio / budget,
        burnRates,
      }
    }),
  )
}
