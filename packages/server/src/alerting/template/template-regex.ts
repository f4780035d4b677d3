/**
 * The template functions that take a regular expression (`match`, `reReplaceAll`), on RE2 as
 * in Prometheus: linear in the input, so a template cannot stall evaluation however its
 * pattern and the label values it meets are written. A bad pattern is a template error.
 */
import { RE2JS } from 're2js'

const compiled = new Map<string, RE2JS>()

function compile(pattern: string): RE2JS {
  let regex = compiled.get(pattern)
  if (regex === undefined) {
    try {
      regex = RE2JS.compile(pattern)
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error)
      throw new Error(`error parsing regexp ${JSON.stringify(pattern)}: ${reason}`)
    }
    if (compiled.size >= 256) compiled.clear()
    compiled.set(pattern, regex)
  }
  return regex
}

/** Whether `pattern` matches anywhere in `text` (unanchored, as Go's MatchString). */
export function regexMatches(pattern: string, text: string): boolean {
  return compile(pattern).matcher(text).find()
}

/**
 * Replaces every match of `pattern` in `text`, expanding `$1`, `${1}` and `$$` in
 * `replacement` as Go's Regexp.ReplaceAllString does for numbered groups.
 */
export function regexReplaceAll(pattern: string, replacement: string, text: string): string {
  const matcher = compile(pattern).matcher(text)
  let result = ''
  let from = 0
  let searchAt = 0
  while (searchAt <= text.length && matcher.find(searchAt)) {
    const start = matcher.start()
    const end = matcher.end()
    result +=
      text.slice(from, start) +
      expand(replacement, matcher.groupCount(), (group) => matcher.group(group))
    from = end
    // An empty match moves on one character, so the loop always advances.
    searchAt = end === start ? end + 1 : end
  }
  return result + text.slice(from)
}

function expand(template: string, groups: number, group: (index: number) => string | null): string {
  return template.replace(/\$(\$|\{(\d+)\}|(\d+))/g, (whole, _all, braced, bare) => {
    if (whole === '$$') return '$'
    // Go expands a group the pattern does not have to nothing.
    const index = Number(braced ?? bare)
    return index <= groups ? (group(index) ?? '') : ''
  })
}
