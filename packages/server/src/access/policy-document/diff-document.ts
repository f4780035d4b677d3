/**
 * What applying a policy document would change: per kind of entry, what is added, removed
 * and changed, with the values before and after. Roles and groups are matched by name and
 * id; bindings and grants by what they say (`bindingKey`, `grantKey`), so a changed binding
 * is one whose expiry moved and a changed grant one whose condition or expiry did.
 */
import type { PolicySnapshot } from '@rampart/access-engine'
import type {
  DocumentBinding,
  DocumentGrant,
  DocumentGroup,
  DocumentRole,
  PolicyDocument,
} from './document.js'
import { bindingEntry, bindingKey, documentOf, grantEntry, grantKey } from './document.js'

/** A stored binding or grant: its entry, and the id it is stored under. */
export type Stored<T> = T & { readonly id: string }

export interface EntryChanges<Before, After = Before> {
  readonly added: readonly After[]
  readonly removed: readonly Before[]
  readonly changed: readonly { readonly before: Before; readonly after: After }[]
}

export interface PolicyDiff {
  readonly roles: EntryChanges<DocumentRole>
  readonly groups: EntryChanges<DocumentGroup>
  readonly bindings: EntryChanges<Stored<DocumentBinding>, DocumentBinding>
  readonly grants: EntryChanges<Stored<DocumentGrant>, DocumentGrant>
}

const same = (left: unknown, right: unknown) => JSON.stringify(left) === JSON.stringify(right)

function diffByName<T>(current: readonly T[], desired: readonly T[], name: (entry: T) => string) {
  const before = new Map(current.map((entry) => [name(entry), entry]))
  const after = new Map(desired.map((entry) => [name(entry), entry]))
  const changed: { before: T; after: T }[] = []
  for (const [key, entry] of after) {
    const old = before.get(key)
    if (old !== undefined && !same(old, entry)) changed.push({ before: old, after: entry })
  }
  return {
    added: desired.filter((entry) => !before.has(name(entry))),
    removed: current.filter((entry) => !after.has(name(entry))),
    changed,
  }
}

/**
 * Matches entries with the same key: equal ones first, then the rest pairwise as changes;
 * what is left over is added or removed. The store may hold two bindings with one key.
 */
function diffByKey<T extends object>(
  current: readonly Stored<T>[],
  desired: readonly T[],
  key: (entry: T) => string,
): EntryChanges<Stored<T>, T> {
  const pending = new Map<string, Stored<T>[]>()
  for (const entry of current) pending.set(key(entry), [...(pending.get(key(entry)) ?? []), entry])
  const unmatched: T[] = []
  for (const entry of desired) {
    const candidates = pending.get(key(entry)) ?? []
    const equal = candidates.findIndex(({ id: _id, ...stored }) => same(stored, entry))
    if (equal >= 0) candidates.splice(equal, 1)
    else unmatched.push(entry)
  }
  const added: T[] = []
  const changed: { before: Stored<T>; after: T }[] = []
  for (const entry of unmatched) {
    const before = pending.get(key(entry))?.shift()
    if (before === undefined) added.push(entry)
    else changed.push({ before, after: entry })
  }
  return { added, removed: [...pending.values()].flat(), changed }
}

/** The changes that turn the stored policy into `desired`; `include` as in `documentOf`. */
export function diffPolicy(
  snapshot: PolicySnapshot,
  desired: PolicyDocument,
  include: (role: string) => boolean = () => true,
): PolicyDiff {
  const current = documentOf(snapshot, include)
  return {
    roles: diffByName(current.roles, desired.roles, (role) => role.name),
    groups: diffByName(current.groups, desired.groups, (group) => group.id),
    bindings: diffByKey(
      snapshot.bindings.map((binding) => ({ ...bindingEntry(binding), id: binding.id })),
      desired.bindings,
      bindingKey,
    ),
    grants: diffByKey(
      snapshot.grants.map((grant) => ({ ...grantEntry(grant), id: grant.id })),
      desired.grants,
      grantKey,
    ),
  }
}

/** How many entries a diff adds, removes or changes. */
export function countChanges(diff: PolicyDiff): number {
  return [diff.roles, diff.groups, diff.bindings, diff.grants].reduce(
    (sum, kind) => sum + kind.added.length + kind.removed.length + kind.changed.length,
    0,
  )
}
