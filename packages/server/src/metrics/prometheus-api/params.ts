import type { FastifyRequest } from 'fastify'

/** Query-string and form-body parameters together, as Prometheus's API accepts both. */
export class ApiParams {
  readonly #values = new Map<string, string[]>()

  constructor(request: FastifyRequest) {
    for (const source of [request.query, request.body]) {
      if (typeof source !== 'object' || source === null) continue
      for (const [name, value] of Object.entries(source as Record<string, unknown>)) {
        const list = this.#values.get(name) ?? []
        for (const item of Array.isArray(value) ? value : [value]) {
          if (typeof item === 'string') list.push(item)
        }
        this.#values.set(name, list)
      }
    }
  }

  get(name: string): string | undefined {
    return this.#values.get(name)?.[0]
  }

  all(name: string): string[] {
    return this.#values.get(name) ?? []
  }
}
