// What users of the console need: the module to mount, its options, and the same-origin guard its actions pass.
export { DashboardModule } from './dashboard.module.js';
export type { DashboardModuleOptions, DashboardMount } from './dashboard.module-definition.js';
