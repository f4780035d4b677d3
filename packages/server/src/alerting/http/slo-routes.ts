/**
 * `GET /v1/slos`: each SLO's objective, SLI, error budget left and burn rates per window;
 * `GET /v1/slos/rules`: the generated rules as a Prometheus rule file.
 */
import type { FastifyInstance } from 'fastify'
import type { Clock } from '../../platform/clock.js'
import { RampartError } from '../../platform/errors.js'
import type { RuleBackend } from '../evaluation/rule-querier.js'
import type { LoadedSlos } from '../slo/slo-rules.js'
import { sloReport } from '../slo/slo-rules.js'

export interface SloApiDeps {
  readonly slos: () => LoadedSlos
  readonly backend: RuleBackend
  readonly clock: Clock
}

export function registerSloApi(scope: FastifyInstance, deps: SloApiDeps): void {
  scope.get('/', async () => ({
    slos: await sloReport(deps.slos(), deps.backend, deps.clock.now()),
  }))

  scope.get('/rules', (_request, reply) =>
    reply.type('application/yaml').send(deps.slos().ruleFile),
  )

  scope.get('/:id', async (request) => {
    const { id } = request.params as { id: string }
    const report = await sloReport(deps.slos(), deps.backend, deps.clock.now())
    const slo = report.find((item) => item.id === id)
    if (slo === undefined) throw new RampartError('alerting_slo_not_found', `SLO ${id} not found`)
    return slo
  })
}
