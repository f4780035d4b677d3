/**
 * PromQL regular expressions are RE2 patterns anchored at both ends, with `.` matching
 * newlines. JavaScript's engine is close; this translates the RE2 spellings it lacks.
 */

const POSIX_CLASSES: Readonly<Record<string, string>> = {
  alnum: '0-9A-Za-z',
  alpha: 'A-Za-z',
  ascii: '\\x00-\\x7F',
  blank: '\\t ',
  cntrl: '\\x00-\\x1F\\x7F',
  digit: '0-9',
  graph: '!-~',
  lower: 'a-z',
  print: ' -~',
  punct: '!-\\/:-@[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

/**
 * Compiles a PromQL regex matcher value into an anchored JavaScript RegExp. Throws a
 * SyntaxError when the pattern is invalid.
 */
export function compileAnchoredRegex(pattern: string): RegExp {
  let flags = 's'
  let body = pattern

  // A leading group of RE2 flags, e.g. (?i) or (?is), applies to the whole pattern.
  const leadingFlags = /^\(\?([imsU]+)\)/.exec(body)
  if (leadingFlags !== null) {
    if (leadingFlags[1]?.includes('i') === true) flags += 'i'
    if (leadingFlags[1]?.includes('m') === true) flags += 'm'
    body = body.slice(leadingFlags[0].length)
  }

  body = body
    .replace(/\[:(\^?)([a-z]+):\]/g, (whole, negated: string, name: string) => {
      const members = POSIX_CLASSES[name]
      if (members === undefined) return whole
      return negated === '' ? members : `^${members}`
    })
    .replace(/\\z/g, '$')
    .replace(/\\A/g, '^')
    .replace(/\(\?P</g, '(?<')

  return new RegExp(`^(?:${body})$`, flags)
}
