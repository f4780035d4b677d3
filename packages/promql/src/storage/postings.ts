/**
 * Postings lists: sorted arrays of series refs, and the set operations matcher lookup needs.
 */

/** Refs present in both sorted lists. */
export function intersectPostings(a: readonly number[], b: readonly number[]): number[] {
  const result: number[] = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    const x = a[i]!
    const y = b[j]!
    if (x === y) {
      result.push(x)
      i++
      j++
    } else if (x < y) {
      i++
    } else {
      j++
    }
  }

  return result
}

/** Refs present in any of the sorted lists, sorted and without duplicates. */
export function unionPostings(lists: readonly (readonly number[])[]): number[] {
  if (lists.length === 0) return []
  if (lists.length === 1) return lists[0]!.slice()

  const all: number[] = []
  for (const list of lists) for (const ref of list) all.push(ref)
  all.sort((x, y) => x - y)

  const result: number[] = []
  for (const ref of all) if (result[result.length - 1] !== ref) result.push(ref)
  return result
}

/** Removes `ref` from a sorted list in place; returns whether it was there. */
export function removePosting(list: number[], ref: number): boolean {
  let low = 0
  let high = list.length - 1
  while (low <= high) {
    const middle = (low + high) >>> 1
    const value = list[middle]!
    if (value === ref) {
      list.splice(middle, 1)
      return true
    }
    if (value < ref) low = middle + 1
    else high = middle - 1
  }

  return false
}

/** Inserts `ref` into a sorted list in place, cheaply when it is the largest. */
export function insertPosting(list: number[], ref: number): void {
  const last = list[list.length - 1]
  if (last === undefined || last < ref) {
    list.push(ref)
    return
  }

  let low = 0
  let high = list.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (list[middle]! < ref) low = middle + 1
    else high = middle
  }
  if (list[low] !== ref) list.splice(low, 0, ref)
}
