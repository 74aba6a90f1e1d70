// What users of the store need: the two stores behind one interface, their settings, and the
// disk measure the broker reports. The parts the file store is made of stay inside.
export { diskSpace, diskUsedRatio } from './clean-service.js';
export { DefaultMessageStore, type DefaultMessageStoreOptions } from './default-message-store.js';
export { MemoryMessageStore } from './memory-message-store.js';
export {
  type AppendMessageResult,
  type GetMessageResult,
  type GetMessageStatus,
  type MessageArrival,
  type MessageFilter,
  type MessageStore,
  type PutMessageResult,
  type PutMessageStatus,
  type QueryMessageResult,
  type RetentionReport,
} from './message-store.js';
export type { TimeBoundary } from './queue-reader.js';
export {
  defaultStoreConfig,
  storeConfigFromProperties,
  storeConfigKeys,
  validateStoreConfig,
  type FlushDiskType,
  type MessageStoreConfig,
} from './store-config.js';
export { StorePathError } from './store-path.js';
