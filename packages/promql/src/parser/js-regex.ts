/**
 * PromQL regular expressions are RE2 patterns anchored at both ends, with `.` matching
 * newlines. JavaScript's engine is close; this translates the RE2 spellings it lacks on
 * Node 20: flag groups such as `(?i)` and `(?i:...)`, POSIX classes, `\A`, `\z`, `(?P<n>`.
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
  punct: '!-\\/:-@\\[-`{-~',
  space: '\\t\\n\\v\\f\\r ',
  upper: 'A-Z',
  word: '0-9A-Za-z_',
  xdigit: '0-9A-Fa-f',
}

const cache = new Map<string, RegExp>()

/**
 * Compiles a PromQL regex matcher value into an anchored JavaScript RegExp. Throws a
 * SyntaxError when the pattern is invalid.
 *
 * @deprecated JavaScript's engine backtracks, so a pattern such as `(a+)+b` against a long
 * value can block the event loop for seconds. Use `compilePromqlRegex`, which matches in
 * linear time with RE2's semantics; this stays for callers that need a RegExp object.
 */
export function compileAnchoredRegex(pattern: string): RegExp {
  const cached = cache.get(pattern)
  if (cached !== undefined) return cached

  const regex = new RegExp(`^(?:${translate(pattern)})$`, 's')
  if (cache.size > 1000) cache.clear()
  cache.set(pattern, regex)
  return regex
}

/** Rewrites RE2 syntax into the equivalent JavaScript syntax. */
function translate(pattern: string): string {
  let out = ''
  // One entry per open group: whether case-insensitive matching is on inside it.
  const groups: boolean[] = []
  let ignoreCase = false

  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] ?? ''

    if (char === '\\') {
      const next = pattern[index + 1] ?? ''
      index++
      if (next === 'z') out += '$'
      else if (next === 'A') out += '^'
      else out += `\\${next}`
      continue
    }

    if (char === '[') {
      const end = classEnd(pattern, index)
      out += translateClass(pattern.slice(index + 1, end), ignoreCase)
      index = end
      continue
    }

    if (char === '(') {
      const flags = /^\(\?([imsU-]*)(\)|:)/.exec(pattern.slice(index))
      if (flags !== null && flags[1] !== undefined && (flags[1] !== '' || flags[2] === ')')) {
        const turnsOn = !flags[1].startsWith('-') && flags[1].split('-')[0]?.includes('i') === true
        const turnsOff = flags[1].split('-')[1]?.includes('i') === true
        const next: boolean = turnsOn ? true : turnsOff ? false : ignoreCase
        index += flags[0].length - 1
        if (flags[2] === ')') {
          ignoreCase = next
        } else {
          groups.push(ignoreCase)
          ignoreCase = next
          out += '(?:'
        }
        continue
      }
      groups.push(ignoreCase)
      if (pattern.startsWith('(?P<', index)) {
        out += '(?<'
        index += 3
        continue
      }
      out += '('
      continue
    }

    if (char === ')') {
      ignoreCase = groups.pop() ?? false
      out += ')'
      continue
    }

    if (ignoreCase && /[a-zA-Z]/.test(char)) {
      out += `[${char.toLowerCase()}${char.toUpperCase()}]`
      continue
    }
    out += char
  }
  return out
}

/** The index of the `]` closing the class opened at `start`. */
function classEnd(pattern: string, start: number): number {
  let index = start + 1
  if (pattern[index] === '^') index++
  if (pattern[index] === ']') index++
  for (; index < pattern.length; index++) {
    const char = pattern[index]
    if (char === '\\') index++
    else if (char === '[' && pattern[index + 1] === ':') {
      const close = pattern.indexOf(':]', index + 2)
      if (close > 0) index = close + 1
    } else if (char === ']') return index
  }
  return pattern.length
}

function translateClass(body: string, ignoreCase: boolean): string {
  let members = body.replace(/\[:(\^?)([a-z]+):\]/g, (whole, negated: string, name: string) => {
    const expansion = POSIX_CLASSES[name]
    // A negated POSIX class inside a class has no JavaScript spelling; keep it literal.
    if (expansion === undefined || negated !== '') return whole
    return expansion
  })
  if (members.startsWith(']')) members = `\\${members}`
  if (members.startsWith('^]')) members = `^\\${members.slice(1)}`

  if (ignoreCase && !members.includes('\\')) {
    const negated = members.startsWith('^')
    const plain = negated ? members.slice(1) : members
    members = `${negated ? '^' : ''}${plain}${plain.toLowerCase()}${plain.toUpperCase()}`
  }
  return `[${members}]`
}
