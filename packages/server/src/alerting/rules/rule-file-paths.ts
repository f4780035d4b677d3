import { readdirSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'

/**
 * Expands configured rule-file paths: a `*` or `?` in the file name matches files of that
 * directory (sorted); relative paths are taken from `baseDir`.
 */
export function expandRuleFilePaths(patterns: readonly string[], baseDir: string): string[] {
  return patterns.flatMap((pattern) => {
    const path = isAbsolute(pattern) ? pattern : resolve(baseDir, pattern)
    const name = basename(path)
    if (!/[*?]/.test(name)) return [path]
    const escaped = name.replace(/[.+^${}()|[\]\\]/g, '\\$&')
    const regex = new RegExp(`^${escaped.replace(/\*/g, '.*').replace(/\?/g, '.')}$`)
    const directory = dirname(path)
    return readdirSync(directory)
      .filter((file) => regex.test(file))
      .sort()
      .map((file) => join(directory, file))
  })
}
