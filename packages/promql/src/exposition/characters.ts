/**
 * Character classes and token readers shared by the line parsers.
 */

export const SPACE = 0x20
export const TAB = 0x09
export const HASH = 0x23
export const QUOTE = 0x22
export const BACKSLASH = 0x5c
export const OPEN_BRACE = 0x7b
export const CLOSE_BRACE = 0x7d
export const EQUALS = 0x3d
export const COMMA = 0x2c
export const CARRIAGE_RETURN = 0x0d

const NAME_START = 1
const NAME_PART = 2
const COLON = 4

/** Class bits for ASCII characters: may start a name, may continue one, is a colon. */
const CLASSES = new Uint8Array(128)
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c)
  if (/[a-zA-Z_]/.test(ch)) CLASSES[c] = NAME_START | NAME_PART
  else if (/[0-9]/.test(ch)) CLASSES[c] = NAME_PART
}
CLASSES[0x3a] = NAME_START | NAME_PART | COLON

/** Whether `code` may start a metric name (letters, `_`, `:`). */
export function isMetricNameStart(code: number): boolean {
  return code < 128 && (CLASSES[code]! & NAME_START) !== 0
}

/** Whether `code` may continue a metric name (also digits). */
export function isMetricNamePart(code: number): boolean {
  return code < 128 && (CLASSES[code]! & NAME_PART) !== 0
}

/** Whether `code` may start a label name (letters, `_`). */
export function isLabelNameStart(code: number): boolean {
  return code < 128 && (CLASSES[code]! & (NAME_START | COLON)) === NAME_START
}

/** Whether `code` may continue a label name (also digits). */
export function isLabelNamePart(code: number): boolean {
  return code < 128 && (CLASSES[code]! & (NAME_PART | COLON)) === NAME_PART
}

export function isBlank(code: number): boolean {
  return code === SPACE || code === TAB
}

/** Index of the first space or tab at or after `from`, or `end`. */
export function findBlank(text: string, from: number, end: number): number {
  let i = from
  while (i < end) {
    const c = text.charCodeAt(i)
    if (c === SPACE || c === TAB) return i
    i++
  }
  return end
}

/** Index of the first character at or after `from` that is not a space or tab, or `end`. */
export function skipBlanks(text: string, from: number, end: number): number {
  let i = from
  while (i < end && isBlank(text.charCodeAt(i))) i++
  return i
}
