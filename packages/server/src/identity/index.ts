/** The identity area's public surface. */
export { createIdentityModule } from './module.js'
export type { IdentityModule } from './module.js'
export { registerIdentityCommands } from './cli/commands.js'
