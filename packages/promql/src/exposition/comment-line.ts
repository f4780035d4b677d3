/**
 * Comment lines: `# HELP`, `# TYPE`, `# UNIT` and OpenMetrics' `# EOF`. Text format ignores
 * any other comment; OpenMetrics allows no other.
 */

import {
  BACKSLASH,
  findBlank,
  isMetricNamePart,
  isMetricNameStart,
  skipBlanks,
} from './characters.js'
import { ExpositionError } from './exposition-error.js'
import { TYPES_BY_FORMAT } from './metric-metadata.js'
import type { ExpositionFormat, MetricMetadata, MetricType } from './metric-metadata.js'

/** What a comment line was: metadata (recorded in `families`), the end marker, or other. */
export type CommentKind = 'metadata' | 'eof' | 'other'

/** Parses the comment line text[start, end) (starting at `#`) into `families`. */
export function parseCommentLine(
  text: string,
  start: number,
  end: number,
  line: number,
  format: ExpositionFormat,
  families: Map<string, MetricMetadata>,
): CommentKind {
  const openMetrics = format === 'openmetrics'
  const keywordStart = skipBlanks(text, start + 1, end)
  if (openMetrics && keywordStart !== start + 2) return invalidComment(line)

  const keywordEnd = findBlank(text, keywordStart, end)
  const keyword = text.slice(keywordStart, keywordEnd)
  if (keyword === 'EOF' && openMetrics) {
    if (keywordEnd !== end) return invalidComment(line)
    return 'eof'
  }
  if (keyword !== 'HELP' && keyword !== 'TYPE' && (keyword !== 'UNIT' || !openMetrics)) {
    return openMetrics ? invalidComment(line) : 'other'
  }

  const nameStart = skipBlanks(text, keywordEnd, end)
  if (openMetrics && nameStart !== keywordEnd + 1) return invalidComment(line)
  const nameEnd = findBlank(text, nameStart, end)
  const name = text.slice(nameStart, nameEnd)
  if (!isMetricName(name)) {
    throw new ExpositionError('invalid_metric_name', line, `invalid metric name in ${keyword}`)
  }

  // HELP text keeps inner blanks; everything after the single separating blank belongs to it.
  const restStart = openMetrics ? Math.min(nameEnd + 1, end) : skipBlanks(text, nameEnd, end)
  const rest = text.slice(restStart, end)
  const family = familyOf(families, name)
  switch (keyword) {
    case 'HELP':
      if (family.help !== undefined) {
        throw new ExpositionError('duplicate_help', line, `second HELP line for "${name}"`)
      }
      family.help = unescapeHelp(rest, line, openMetrics)
      break
    case 'TYPE':
      // TODO(#7): a TYPE line after samples of its family is accepted; catching it needs the
      // family of each sample name (`_bucket`, `_total`...), which the hot path avoids.
      if (family.type !== undefined) {
        throw new ExpositionError('duplicate_type', line, `second TYPE line for "${name}"`)
      }
      family.type = parseType(openMetrics ? rest : rest.trimEnd(), format, line)
      break
    default:
      if (family.unit !== undefined) {
        throw new ExpositionError('duplicate_unit', line, `second UNIT line for "${name}"`)
      }
      if (rest !== '' && !name.endsWith(`_${rest}`)) {
        throw new ExpositionError(
          'invalid_unit',
          line,
          `unit "${rest}" is not a suffix of "${name}"`,
        )
      }
      family.unit = rest
  }

  return 'metadata'
}

/** Metadata being collected; fields stay undefined until their line is seen. */
interface PartialMetadata {
  type?: MetricType
  help?: string
  unit?: string
}

function familyOf(families: Map<string, MetricMetadata>, name: string): PartialMetadata {
  let family = families.get(name) as PartialMetadata | undefined
  if (family === undefined) {
    family = {}
    families.set(name, family as MetricMetadata)
  }
  return family
}

/** Fills the fields no line gave: untyped/unknown, empty help and unit. */
export function completeMetadata(families: Map<string, MetricMetadata>, format: ExpositionFormat) {
  const defaultType: MetricType = format === 'openmetrics' ? 'unknown' : 'untyped'
  for (const family of families.values() as IterableIterator<PartialMetadata>) {
    family.type ??= defaultType
    family.help ??= ''
    family.unit ??= ''
  }
}

function parseType(type: string, format: ExpositionFormat, line: number): MetricType {
  if (!TYPES_BY_FORMAT[format].has(type)) {
    throw new ExpositionError('invalid_type', line, `unknown metric type "${type}"`)
  }
  return type as MetricType
}

function isMetricName(name: string): boolean {
  if (name.length === 0 || !isMetricNameStart(name.charCodeAt(0))) return false
  for (let i = 1; i < name.length; i++) if (!isMetricNamePart(name.charCodeAt(i))) return false
  return true
}

/**
 * HELP escapes: `\\` and `\n`, and in OpenMetrics also `\"`; any other escaped character keeps
 * its backslash, as in Prometheus.
 */
function unescapeHelp(raw: string, line: number, openMetrics: boolean): string {
  if (!raw.includes('\\')) return raw

  let result = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i)
    if (c !== BACKSLASH) {
      result += raw[i]
      continue
    }

    const next = raw[i + 1]
    if (next === '\\') result += '\\'
    else if (next === 'n') result += '\n'
    else if (next === '"' && openMetrics) result += '"'
    else if (next !== undefined) result += `\\${next}`
    else {
      throw new ExpositionError(
        'invalid_escape',
        line,
        'invalid escape sequence end of line in HELP',
      )
    }
    i++
  }

  return result
}

function invalidComment(line: number): never {
  throw new ExpositionError('invalid_comment', line, 'invalid comment line')
}
