export * from './batch-message.js';
export * from './java-hash.js';
export * from './long.js';
export * from './message-id.js';
export * from './message-properties.js';
export * from './message-sys-flag.js';
export * from './socket-address.js';
export * from './stored-message.js';
