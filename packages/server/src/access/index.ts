/**
 * The access area's public surface: the module, and the gate other modules put in front of
 * their admin routes.
 */
export { createAccessModule } from './module.js'
export type { AccessModule } from './module.js'
export { BUILT_IN_ROLES } from './built-in-roles.js'
export { callerOf, RouteGuard } from './guard/route-guard.js'
export type { BootstrapToken, Caller, RoutePermission } from './guard/route-guard.js'
export { permissionByMethod, permissionByRoute } from './guard/route-permission.js'
