/**
 * Silences, stored in the database so they survive restarts and are shared by replicas:
 * matchers, a start and an end, who created it and why.
 */
import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import { newId } from '../../platform/ids.js'
import type { AlertLabels, Matcher } from '../routing/matchers.js'
import { formatMatcher, matcherProblem, matchesAll } from '../routing/matchers.js'
import type { AlertingDb } from '../store/tables.js'

export type SilenceState = 'active' | 'pending' | 'expired'

export interface Silence {
  readonly id: string
  readonly matchers: readonly Matcher[]
  readonly startsAtMs: number
  readonly endsAtMs: number
  readonly createdBy: string
  readonly comment: string
  readonly updatedAtMs: number
}

export interface SilenceInput {
  readonly id?: string | undefined
  readonly matchers: readonly Matcher[]
  readonly startsAtMs: number
  readonly endsAtMs: number
  readonly createdBy: string
  readonly comment: string
}

/** What changed, for the audit log. */
export type SilenceChange = {
  readonly action: 'create' | 'update' | 'expire'
  readonly silence: Silence
}

export function silenceState(silence: Silence, nowMs: number): SilenceState {
  if (nowMs < silence.startsAtMs) return 'pending'
  return nowMs < silence.endsAtMs ? 'active' : 'expired'
}

function fromRow(row: {
  id: string
  matchers: string
  starts_at: number
  ends_at: number
  created_by: string
  comment: string
  updated_at: number
}): Silence {
  return {
    id: row.id,
    matchers: JSON.parse(row.matchers) as Matcher[],
    startsAtMs: Number(row.starts_at),
    endsAtMs: Number(row.ends_at),
    createdBy: row.created_by,
    comment: row.comment,
    updatedAtMs: Number(row.updated_at),
  }
}

export class SilenceStore {
  readonly #db: AlertingDb
  readonly #clock: Clock
  readonly #onChange: (change: SilenceChange) => Promise<void>

  constructor(db: AlertingDb, clock: Clock, onChange: (change: SilenceChange) => Promise<void>) {
    this.#db = db
    this.#clock = clock
    this.#onChange = onChange
  }

  /** Every silence, newest end first; expired ones are kept for the API's history. */
  async list(): Promise<Silence[]> {
    const rows = await this.#db
      .selectFrom('alerting_silences')
      .selectAll()
      .orderBy('ends_at', 'desc')
      .execute()
    return rows.map(fromRow)
  }

  async get(id: string): Promise<Silence | undefined> {
    const row = await this.#db
      .selectFrom('alerting_silences')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst()
    return row === undefined ? undefined : fromRow(row)
  }

  /** Silences in effect now. */
  async active(): Promise<Silence[]> {
    const now = this.#clock.now()
    const rows = await this.#db
      .selectFrom('alerting_silences')
      .selectAll()
      .where('ends_at', '>', now)
      .where('starts_at', '<=', now)
      .execute()
    return rows.map(fromRow)
  }

  /** Creates a silence, or updates the one with `input.id` (an expired one is replaced). */
  async upsert(input: SilenceInput): Promise<Silence> {
    const now = this.#clock.now()
    if (input.matchers.length === 0) {
      throw new RampartError('alerting_silence_invalid', 'a silence needs at least one matcher')
    }
    if (input.endsAtMs <= input.startsAtMs) {
      throw new RampartError('alerting_silence_invalid', 'endsAt must be after startsAt')
    }
    if (input.endsAtMs <= now) {
      throw new RampartError('alerting_silence_invalid', 'endsAt must be in the future')
    }
    input.matchers.forEach((matcher, index) => {
      const problem = matcherProblem(matcher)
      if (problem === undefined) return
      throw new RampartError(
        'alerting_matcher_invalid',
        `matcher ${formatMatcher(matcher)}: ${problem}`,
        { errors: [{ field: `matchers.${index}`, message: problem }] },
      )
    })
    if (input.matchers.every((matcher) => matchesAll([matcher], {}))) {
      throw new RampartError(
        'alerting_silence_invalid',
        'at least one matcher must not match the empty string',
      )
    }
    const existing = input.id === undefined ? undefined : await this.get(input.id)
    if (input.id !== undefined && existing === undefined) {
      throw new RampartError('alerting_silence_not_found', `silence ${input.id} not found`)
    }
    const reuse = existing !== undefined && silenceState(existing, now) !== 'expired'
    const silence: Silence = {
      id: reuse ? existing.id : newId(),
      matchers: input.matchers,
      // A new silence does not start in the past, as in Alertmanager.
      startsAtMs: reuse ? input.startsAtMs : Math.max(input.startsAtMs, now),
      endsAtMs: input.endsAtMs,
      createdBy: input.createdBy,
      comment: input.comment,
      updatedAtMs: now,
    }
    const row = {
      id: silence.id,
      matchers: JSON.stringify(silence.matchers),
      starts_at: silence.startsAtMs,
      ends_at: silence.endsAtMs,
      created_by: silence.createdBy,
      comment: silence.comment,
      created_at: now,
      updated_at: now,
    }
    if (reuse) {
      await this.#db
        .updateTable('alerting_silences')
        .set({
          matchers: row.matchers,
          starts_at: row.starts_at,
          ends_at: row.ends_at,
          created_by: row.created_by,
          comment: row.comment,
          updated_at: now,
        })
        .where('id', '=', silence.id)
        .execute()
    } else {
      await this.#db.insertInto('alerting_silences').values(row).execute()
    }
    await this.#onChange({ action: reuse ? 'update' : 'create', silence })
    return silence
  }

  /** Ends a silence now; a pending one never starts. */
  async expire(id: string): Promise<Silence> {
    const now = this.#clock.now()
    const existing = await this.get(id)
    if (existing === undefined) {
      throw new RampartError('alerting_silence_not_found', `silence ${id} not found`)
    }
    if (silenceState(existing, now) === 'expired') {
      throw new RampartError('alerting_silence_invalid', `silence ${id} already expired`)
    }
    const startsAt = Math.min(existing.startsAtMs, now)
    await this.#db
      .updateTable('alerting_silences')
      .set({ ends_at: now, starts_at: startsAt, updated_at: now })
      .where('id', '=', id)
      .execute()
    const silence = { ...existing, startsAtMs: startsAt, endsAtMs: now, updatedAtMs: now }
    await this.#onChange({ action: 'expire', silence })
    return silence
  }
}

/**
 * The ids of the silences muting an alert with these labels. A silence whose regex does not
 * compile (stored before matchers were checked) mutes nothing rather than stopping routing.
 */
export function silencedBy(silences: readonly Silence[], labels: AlertLabels): string[] {
  return silences
    .filter((silence) => silence.matchers.every((matcher) => matcherProblem(matcher) === undefined))
    .filter((silence) => matchesAll(silence.matchers, labels))
    .map((silence) => silence.id)
}
