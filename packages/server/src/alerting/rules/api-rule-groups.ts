/**
 * The rule groups of the API as loaded groups, kept in step with the database: `refresh`
 * compares the stored versions with the ones loaded and reloads when another replica (or
 * this one) changed a group.
 */
import type { Logger } from '../../platform/logger.js'
import type { ParseRuleFileOptions } from './parse-rule-file.js'
import { parseRuleGroup } from './parse-rule-file.js'
import type { RuleGroup } from './rule-file.js'
import { formatIssue, RuleFileError } from './rule-file.js'
import type { RuleGroupStore } from './rule-group-store.js'

/** The `file` of an API group in issues and in Prometheus's rules API: `api:<namespace>`. */
export function apiRuleFile(namespace: string): string {
  return `api:${namespace}`
}

export class ApiRuleGroups {
  readonly #store: RuleGroupStore
  readonly #options: ParseRuleFileOptions
  readonly #logger: Logger
  #versions: string | undefined
  #groups: readonly RuleGroup[] = []
  /** Stored groups refused at the last load, by `namespace/name`: why they do not run. */
  #refused = new Map<string, string[]>()

  constructor(store: RuleGroupStore, options: ParseRuleFileOptions, logger: Logger) {
    this.#store = store
    this.#options = options
    this.#logger = logger
  }

  get groups(): readonly RuleGroup[] {
    return this.#groups
  }

  /** Why a stored group is not evaluated; undefined when it is (or is not stored). */
  problemsOf(namespace: string, name: string): readonly string[] | undefined {
    return this.#refused.get(`${namespace}/${name}`)
  }

  /** Validates a group as a rule file's group would be; throws RuleFileError. */
  validate(namespace: string, definition: unknown): RuleGroup {
    return parseRuleGroup(definition, apiRuleFile(namespace), this.#options)
  }

  /** Reloads the groups when the stored ones changed; resolves to whether they did. */
  async refresh(): Promise<boolean> {
    const versions = await this.#store.versions()
    if (versions === this.#versions) return false
    const stored = await this.#store.list()
    const groups: RuleGroup[] = []
    const refused = new Map<string, string[]>()
    for (const item of stored) {
      try {
        groups.push(this.validate(item.namespace, item.definition))
      } catch (error) {
        if (!(error instanceof RuleFileError)) throw error
        // Valid when stored; a stricter name_validation since then can refuse it. The other
        // groups still run, and the API shows this one with its problems, and deletes it.
        const issues = error.issues.map(formatIssue)
        refused.set(`${item.namespace}/${item.name}`, issues)
        this.#logger.error(
          { namespace: item.namespace, group: item.name, issues },
          'stored rule group is invalid and not evaluated',
        )
      }
    }
    this.#groups = groups
    this.#refused = refused
    // The versions read before the groups: a write in between is picked up next time.
    this.#versions = versions
    return true
  }
}
