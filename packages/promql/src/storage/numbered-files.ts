import { readdirSync } from 'node:fs'

/**
 * The numbers of the files in `dir` whose names match `pattern` (its first group, or the
 * whole name, is the number), sorted; none when the directory does not exist yet.
 */
export function listNumberedFiles(dir: string, pattern: RegExp): number[] {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw error
  }
  const numbers: number[] = []
  for (const name of names) {
    const match = pattern.exec(name)
    if (match !== null) numbers.push(Number(match[1] ?? match[0]))
  }
  return numbers.sort((a, b) => a - b)
}
