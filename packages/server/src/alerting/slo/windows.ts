/**
 * Multi-window multi-burn-rate alert windows (Google SRE Workbook, chapter 5): for a 30-day
 * period, page on 2% of the budget in 1 h (5 m short window) or 5% in 6 h (30 m), ticket
 * on 10% in 1 d (2 h) or 10% in 3 d (6 h). Other periods scale the windows with the period.
 */
import { parseDurationMs } from '@rampart/promql'

export interface BurnWindow {
  /** Share of the period's error budget that, spent within `longMs`, triggers the alert. */
  readonly errorBudgetPercent: number
  readonly shortMs: number
  readonly longMs: number
}

export interface AlertWindows {
  readonly periodMs: number
  readonly pageQuick: BurnWindow
  readonly pageSlow: BurnWindow
  readonly ticketQuick: BurnWindow
  readonly ticketSlow: BurnWindow
}

const hour = 3_600_000
const thirtyDays = 30 * 24 * hour

/** The SRE Workbook's windows for a 30-day period, scaled to `periodMs`. */
export function defaultAlertWindows(periodMs = thirtyDays): AlertWindows {
  const scale = (ms: number): number => Math.round((ms * periodMs) / thirtyDays)
  const window = (percent: number, longMs: number): BurnWindow => ({
    errorBudgetPercent: percent,
    shortMs: scale(longMs / 12),
    longMs: scale(longMs),
  })
  return {
    periodMs,
    pageQuick: window(2, hour),
    pageSlow: window(5, 6 * hour),
    ticketQuick: window(10, 24 * hour),
    ticketSlow: window(10, 72 * hour),
  }
}

/** The burn rate at which `window.errorBudgetPercent` of the budget goes in its long window. */
export function burnRateFactor(window: BurnWindow, periodMs: number): number {
  return (window.errorBudgetPercent / 100) * (periodMs / window.longMs)
}

interface WindowSpec {
  errorBudgetPercent: number
  shortWindow: string
  longWindow: string
}

function duration(text: string): number {
  const ms = parseDurationMs(text)
  if (ms === undefined || ms <= 0) throw new Error(`bad window duration "${text}"`)
  return ms
}

/** Reads Sloth's `AlertWindows` spec (`sloPeriod`, page/ticket quick/slow). */
export function parseAlertWindows(spec: {
  sloPeriod: string
  page: { quick: WindowSpec; slow: WindowSpec }
  ticket: { quick: WindowSpec; slow: WindowSpec }
}): AlertWindows {
  const window = (item: WindowSpec): BurnWindow => ({
    errorBudgetPercent: item.errorBudgetPercent,
    shortMs: duration(item.shortWindow),
    longMs: duration(item.longWindow),
  })
  return {
    periodMs: duration(spec.sloPeriod),
    pageQuick: window(spec.page.quick),
    pageSlow: window(spec.page.slow),
    ticketQuick: window(spec.ticket.quick),
    ticketSlow: window(spec.ticket.slow),
  }
}
