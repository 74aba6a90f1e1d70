export * from './broker-config.js';
export type { BrokerContext } from './broker-context.js';
export * from './broker-controller.js';
export * from './consumer-manager.js';
export * from './consumer-offset-manager.js';
export * from './subscription-group-manager.js';
export * from './topic-config-manager.js';
