import type { FastifyInstance } from 'fastify'

/** A dependency the process needs to serve traffic, checked on every `/readyz`. */
export interface ReadinessCheck {
  readonly name: string
  /** Resolves when healthy; rejects with the reason otherwise. Must honour the signal. */
  check(signal: AbortSignal): Promise<void>
}

export interface CheckResult {
  readonly name: string
  readonly status: 'pass' | 'fail'
  readonly durationMs: number
  readonly error?: string
}

async function runCheck(check: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now()
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort()
      reject(new Error(`timed out after ${timeoutMs} ms`))
    }, timeoutMs)
  })

  try {
    await Promise.race([check.check(controller.signal), timeout])
    return { name: check.name, status: 'pass', durationMs: elapsedMs(started) }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { name: check.name, status: 'fail', durationMs: elapsedMs(started), error: message }
  } finally {
    clearTimeout(timer)
  }
}

function elapsedMs(startedAt: number): number {
  return Math.round((performance.now() - startedAt) * 1000) / 1000
}

const checkSchema = {
  type: 'object',
  required: ['name', 'status', 'durationMs'],
  properties: {
    name: { type: 'string' },
    status: { type: 'string', enum: ['pass', 'fail'] },
    durationMs: { type: 'number' },
    error: { type: 'string' },
  },
} as const

const readinessSchema = {
  type: 'object',
  required: ['status', 'checks'],
  properties: {
    status: { type: 'string', enum: ['ready', 'not_ready'] },
    checks: { type: 'array', items: checkSchema },
  },
} as const

/**
 * `/healthz` answers while the process can answer at all; `/readyz` runs every readiness
 * check in parallel, each under its own timeout, and answers 503 when any fails.
 */
export function registerHealthRoutes(
  server: FastifyInstance,
  checks: readonly ReadinessCheck[],
  checkTimeoutMs: number,
): void {
  server.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: the process is up and answering',
        tags: ['platform'],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    () => ({ status: 'ok' }),
  )

  server.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: every dependency check passes',
        tags: ['platform'],
        response: { 200: readinessSchema, 503: readinessSchema },
      },
    },
    async (_request, reply) => {
      const results = await Promise.all(checks.map((check) => runCheck(check, checkTimeoutMs)))
      const ready = results.every((result) => result.status === 'pass')
      void reply.status(ready ? 200 : 503).header('cache-control', 'no-store')
      return { status: ready ? 'ready' : 'not_ready', checks: results }
    },
  )
}
