/**
 * The alerts routing works on, in the database: those the rule evaluator hands over and
 * those posted to the Alertmanager API. An alert is firing until its `endsAt` passes.
 */
import type { Clock } from '../../platform/clock.js'
import type { RoutedAlert } from '../evaluation/rule-manager.js'
import type { AlertingDb } from '../store/tables.js'

/** Resolved alerts are kept this long after they end, then deleted. */
const keepResolvedMs = 60 * 60_000

export class AlertStore {
  readonly #db: AlertingDb
  readonly #clock: Clock

  constructor(db: AlertingDb, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** Inserts or updates alerts by fingerprint; a resolved alert keeps its first start. */
  async upsert(alerts: readonly RoutedAlert[], source: 'rule' | 'api'): Promise<void> {
    const now = this.#clock.now()
    for (const alert of alerts) {
      const row = {
        fingerprint: alert.fingerprint,
        labels: JSON.stringify(alert.labels),
        annotations: JSON.stringify(alert.annotations),
        starts_at: alert.startsAtMs,
        ends_at: alert.endsAtMs,
        generator_url: alert.generatorUrl,
        source,
        updated_at: now,
      }
      await this.#db
        .insertInto('alerting_alerts')
        .values(row)
        .onConflict((conflict) =>
          conflict.column('fingerprint').doUpdateSet({
            labels: row.labels,
            annotations: row.annotations,
            ends_at: row.ends_at,
            generator_url: row.generator_url,
            updated_at: now,
            // A new occurrence of an alert that had resolved starts again.
            starts_at: (update) =>
              update
                .case()
                .when('alerting_alerts.ends_at', '<=', now)
                .then(row.starts_at)
                .else(update.ref('alerting_alerts.starts_at'))
                .end(),
          }),
        )
        .execute()
    }
  }

  /** Every alert still kept, firing or recently resolved; old resolved ones are deleted. */
  async list(): Promise<RoutedAlert[]> {
    const now = this.#clock.now()
    await this.#db
      .deleteFrom('alerting_alerts')
      .where('ends_at', '<', now - keepResolvedMs)
      .execute()
    const rows = await this.#db.selectFrom('alerting_alerts').selectAll().execute()
    return rows.map((row) => ({
      fingerprint: row.fingerprint,
      labels: JSON.parse(row.labels) as Record<string, string>,
      annotations: JSON.parse(row.annotations) as Record<string, string>,
      startsAtMs: Number(row.starts_at),
      endsAtMs: Number(row.ends_at),
      generatorUrl: row.generator_url,
    }))
  }
}
