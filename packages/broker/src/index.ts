// What users of the broker need: the controller, its settings, and the topic config an embedder
// creates topics with. The managers and processors it is made of stay inside.
export {
  brokerSettingsFromProperties,
  defaultBrokerConfig,
  namesrvAddresses,
  type BrokerConfig,
  type BrokerRole,
  type BrokerSettings,
} from './broker-config.js';
export type { BrokerContext } from './broker-context.js';
export { BrokerController, type BrokerControllerOptions } from './broker-controller.js';
export { topicConfig } from './topic-config-manager.js';
