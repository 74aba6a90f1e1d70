export * from './kv-config-manager.js';
export * from './namesrv-config.js';
export * from './namesrv-controller.js';
export type { NamesrvLogger } from './processors/namesrv-context.js';
export * from './route-info-manager.js';
