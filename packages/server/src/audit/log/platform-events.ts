/**
 * The platform's own facts as audit events: configuration loaded, master key generated or
 * loaded, migrations applied, signing key generated, started and stopped.
 */
import type { AuditEventInput } from '../event.js'

/** What happened while the platform came up, before the log could record it. */
export interface StartupFacts {
  readonly migrationsApplied: readonly string[]
  readonly masterKey: { readonly source: string; readonly fingerprint: string }
  readonly dialect: string
  readonly version: string
}

function platformEvent(
  type: string,
  action: string,
  at: Date,
  instanceId: string,
  rest: Partial<AuditEventInput> = {},
): AuditEventInput {
  return {
    type,
    action,
    occurredAt: at.toISOString(),
    actor: { type: 'system', id: instanceId, name: 'rampart' },
    outcome: { status: 'success' },
    ...rest,
  }
}

/** The events recording how this process started. */
export function startupEvents(
  facts: StartupFacts,
  at: Date,
  instanceId: string,
): AuditEventInput[] {
  const keyGenerated = facts.masterKey.source === 'generated'
  return [
    platformEvent('platform.config.loaded', 'load', at, instanceId, {
      target: { type: 'configuration' },
      fields: { dialect: facts.dialect },
    }),
    platformEvent(
      keyGenerated ? 'platform.master_key.generated' : 'platform.master_key.loaded',
      keyGenerated ? 'generate' : 'load',
      at,
      instanceId,
      {
        target: { type: 'master_key', id: facts.masterKey.fingerprint },
        fields: { source: facts.masterKey.source },
        severity: keyGenerated ? 'medium' : 'info',
      },
    ),
    ...facts.migrationsApplied.map((name) =>
      platformEvent('platform.migration.applied', 'migrate', at, instanceId, {
        target: { type: 'migration', id: name },
      }),
    ),
  ]
}

export function signingKeyGeneratedEvent(
  keyId: string,
  at: Date,
  instanceId: string,
): AuditEventInput {
  return platformEvent('audit.signing_key.generated', 'generate', at, instanceId, {
    target: { type: 'signing_key', id: keyId },
    severity: 'medium',
  })
}

export function startedEvent(version: string, at: Date, instanceId: string): AuditEventInput {
  return platformEvent('platform.started', 'start', at, instanceId, {
    target: { type: 'instance', id: instanceId },
    fields: { version },
  })
}

export function stoppedEvent(at: Date, instanceId: string): AuditEventInput {
  return platformEvent('platform.stopped', 'stop', at, instanceId, {
    target: { type: 'instance', id: instanceId },
  })
}
