import type { OrderLine } from './store.js'

export interface FieldError {
  readonly field: string
  readonly message: string
}

const skuPattern = /^[A-Z0-9-]{1,32}$/
const maxLines = 50

/** The lines of a new order, or the reasons the body is not one. */
export function parseOrderBody(body: unknown): { lines: OrderLine[] } | { errors: FieldError[] } {
  if (
    typeof body !== 'object' ||
    body === null ||
    !Array.isArray((body as { lines?: unknown }).lines)
  ) {
    return { errors: [{ field: 'lines', message: 'must be an array of order lines' }] }
  }
  const raw = (body as { lines: unknown[] }).lines
  if (raw.length === 0 || raw.length > maxLines) {
    return { errors: [{ field: 'lines', message: `must have 1 to ${maxLines} lines` }] }
  }

  const errors: FieldError[] = []
  const lines: OrderLine[] = []
  raw.forEach((entry, index) => {
    const line = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >
    const field = (name: string) => `lines.${index}.${name}`
    if (typeof line.sku !== 'string' || !skuPattern.test(line.sku)) {
      errors.push({ field: field('sku'), message: 'must be 1-32 upper-case letters, digits or -' })
    }
    if (
      !Number.isInteger(line.quantity) ||
      (line.quantity as number) < 1 ||
      (line.quantity as number) > 1000
    ) {
      errors.push({ field: field('quantity'), message: 'must be an integer from 1 to 1000' })
    }
    if (
      !Number.isInteger(line.priceCents) ||
      (line.priceCents as number) < 0 ||
      (line.priceCents as number) > 10_000_000
    ) {
      errors.push({ field: field('priceCents'), message: 'must be an integer from 0 to 10000000' })
    }
    if (errors.length === 0) {
      lines.push({
        sku: line.sku as string,
        quantity: line.quantity as number,
        priceCents: line.priceCents as number,
      })
    }
  })
  return errors.length === 0 ? { lines } : { errors }
}
