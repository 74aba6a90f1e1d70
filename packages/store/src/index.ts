// What users of the store need: the two stores behind one interface, their settings, and the
// disk measure the broker reports. The parts the file store is made of stay inside.
export { diskSpace, diskUsedRatio } from './clean-service.js';
export { DefaultMessageStore, type DefaultMessageStoreOptions } from './default-message-store.js';
export { MemoryMessageStore } from './memory-message-store.js';
export {
  consoleStoreLogger,
  silentStoreLogger,
  type AppendMessageResult,
  type GetMessageResult,
  type GetMessageStatus,
  type MessageArrival,
  type MessageFilter,
  type MessageStore,
  type PutMessageResult,
  type PutMessageStatus,
  type QueryMessageResult,
  type StoreLogger,
} from './message-store.js';
export type { TimeBoundary } from './queue-reader.js';
export {
  defaultStoreConfig,
  parseDelayLevels,
  parseProperties,
  storeConfigFromProperties,
  storeConfigKeys,
  typedSettings,
  type FlushDiskType,
  type MessageStoreConfig,
} from './store-config.js';
export { StorePathError } from './store-path.js';
