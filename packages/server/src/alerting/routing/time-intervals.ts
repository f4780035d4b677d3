/**
 * Alertmanager time intervals (`times`, `weekdays`, `days_of_month`, `months`, `years`,
 * `location`): whether an instant falls inside, for mute and active intervals on routes.
 */
import type { TimeIntervalSpec } from '../config.js'

const weekdayNames = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
const monthNames = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
]

interface CalendarParts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly weekday: number
  readonly minuteOfDay: number
  readonly daysInMonth: number
}

function partsIn(timeMs: number, location: string | undefined): CalendarParts {
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone: location === undefined || location === 'Local' ? 'UTC' : location,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    weekday: 'long',
    hour: 'numeric',
    minute: 'numeric',
    hourCycle: 'h23',
  })
  const parts = Object.fromEntries(
    format.formatToParts(new Date(timeMs)).map((p) => [p.type, p.value]),
  )
  const year = Number(parts.year)
  const month = Number(parts.month)
  return {
    year,
    month,
    day: Number(parts.day),
    weekday: weekdayNames.indexOf(String(parts.weekday).toLowerCase()),
    minuteOfDay: Number(parts.hour) * 60 + Number(parts.minute),
    daysInMonth: new Date(Date.UTC(year, month, 0)).getUTCDate(),
  }
}

/** `a:b` or `a` ranges; names allowed through `named`; negative days count from month end. */
function inRanges(
  ranges: readonly string[] | undefined,
  value: number,
  named: readonly string[] = [],
  offset = 0,
  monthLength?: number,
): boolean {
  if (ranges === undefined || ranges.length === 0) return true
  const resolve = (text: string): number => {
    const index = named.indexOf(text.trim().toLowerCase())
    if (index >= 0) return index + offset
    const number = Number(text)
    if (!Number.isInteger(number)) throw new Error(`bad time interval value "${text}"`)
    return number < 0 && monthLength !== undefined ? monthLength + number + 1 : number
  }
  return ranges.some((range) => {
    const [start = '', end = start] = range.split(':')
    return value >= resolve(start) && value <= resolve(end)
  })
}

function minutesOf(text: string): number {
  const [hours = 'x', minutes = 'x'] = text.split(':')
  const value = Number(hours) * 60 + Number(minutes)
  if (!Number.isInteger(value) || value < 0 || value > 1440) throw new Error(`bad time "${text}"`)
  return value
}

/** Whether `timeMs` falls in any of the interval's specs. */
export function inTimeInterval(specs: readonly TimeIntervalSpec[], timeMs: number): boolean {
  return specs.some((spec) => {
    const parts = partsIn(timeMs, spec.location)
    const times =
      spec.times === undefined ||
      spec.times.some(
        (range) =>
          parts.minuteOfDay >= minutesOf(range.start_time) &&
          parts.minuteOfDay < minutesOf(range.end_time),
      )
    return (
      times &&
      inRanges(spec.weekdays, parts.weekday, weekdayNames) &&
      inRanges(spec.days_of_month, parts.day, [], 0, parts.daysInMonth) &&
      inRanges(spec.months, parts.month, monthNames, 1) &&
      inRanges(spec.years, parts.year)
    )
  })
}
