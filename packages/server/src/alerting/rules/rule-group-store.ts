/**
 * Rule groups put through the API, stored in the database so every replica (and the next
 * lease holder) evaluates the same groups. Each write runs in one transaction with the
 * caller's record of it (the audit event), so a change is never kept without its record.
 */
import type { Transaction } from 'kysely'
import type { Clock } from '../../platform/clock.js'
import { newId } from '../../platform/ids.js'
import type { AlertingDb, AlertingTables } from '../store/tables.js'
import type { Database } from '../../store/schema.js'

export interface StoredRuleGroup {
  readonly namespace: string
  readonly name: string
  /** The group as it was given, its `name` included. */
  readonly definition: Record<string, unknown>
  readonly version: string
  readonly createdAtMs: number
  readonly updatedAtMs: number
}

export type RuleGroupAction = 'create' | 'update' | 'delete'

export type AlertingTransaction = Transaction<Database & AlertingTables>

/** Records a change inside its transaction; a throw rolls the change back. */
export type RecordRuleGroupChange = (
  change: { readonly action: RuleGroupAction; readonly group: StoredRuleGroup },
  transaction: AlertingTransaction,
) => Promise<void>

type Row = AlertingTables['alerting_rule_groups']

function fromRow(row: Row): StoredRuleGroup {
  return {
    namespace: row.namespace,
    name: row.group_name,
    definition: JSON.parse(row.definition) as Record<string, unknown>,
    version: row.version,
    createdAtMs: Number(row.created_at),
    updatedAtMs: Number(row.updated_at),
  }
}

export class RuleGroupStore {
  readonly #db: AlertingDb
  readonly #clock: Clock

  constructor(db: AlertingDb, clock: Clock) {
    this.#db = db
    this.#clock = clock
  }

  /** Every stored group, by namespace then name. */
  async list(): Promise<StoredRuleGroup[]> {
    const rows = await this.#db
      .selectFrom('alerting_rule_groups')
      .selectAll()
      .orderBy('namespace')
      .orderBy('group_name')
      .execute()
    return rows.map(fromRow)
  }

  async get(namespace: string, name: string): Promise<StoredRuleGroup | undefined> {
    const row = await this.#db
      .selectFrom('alerting_rule_groups')
      .selectAll()
      .where('namespace', '=', namespace)
      .where('group_name', '=', name)
      .executeTakeFirst()
    return row === undefined ? undefined : fromRow(row)
  }

  /** One line naming every group and its version: it changes whenever any group does. */
  async versions(): Promise<string> {
    const rows = await this.#db
      .selectFrom('alerting_rule_groups')
      .select(['namespace', 'group_name', 'version'])
      .orderBy('namespace')
      .orderBy('group_name')
      .execute()
    return JSON.stringify(rows.map((row) => [row.namespace, row.group_name, row.version]))
  }

  /** Creates or replaces a group; resolves to what it did. */
  async put(
    namespace: string,
    name: string,
    definition: Record<string, unknown>,
    record: RecordRuleGroupChange,
  ): Promise<{ action: 'create' | 'update'; group: StoredRuleGroup }> {
    const now = this.#clock.now()
    return this.#db.transaction().execute(async (transaction) => {
      const existing = await transaction
        .selectFrom('alerting_rule_groups')
        .select(['created_at'])
        .where('namespace', '=', namespace)
        .where('group_name', '=', name)
        .executeTakeFirst()
      const group: StoredRuleGroup = {
        namespace,
        name,
        definition,
        version: newId(),
        createdAtMs: existing === undefined ? now : Number(existing.created_at),
        updatedAtMs: now,
      }
      const values = {
        definition: JSON.stringify(definition),
        version: group.version,
        updated_at: now,
      }
      // Two replicas creating the same group at once: the later write wins, as an update.
      await transaction
        .insertInto('alerting_rule_groups')
        .values({ namespace, group_name: name, ...values, created_at: now })
        .onConflict((conflict) => conflict.columns(['namespace', 'group_name']).doUpdateSet(values))
        .execute()
      const action = existing === undefined ? 'create' : 'update'
      await record({ action, group }, transaction)
      return { action, group }
    })
  }

  /** Deletes a group; resolves to the deleted group, undefined when there was none. */
  async delete(
    namespace: string,
    name: string,
    record: RecordRuleGroupChange,
  ): Promise<StoredRuleGroup | undefined> {
    return this.#db.transaction().execute(async (transaction) => {
      const row = await transaction
        .deleteFrom('alerting_rule_groups')
        .where('namespace', '=', namespace)
        .where('group_name', '=', name)
        .returningAll()
        .executeTakeFirst()
      if (row === undefined) return undefined
      const group = fromRow(row)
      await record({ action: 'delete', group }, transaction)
      return group
    })
  }
}
