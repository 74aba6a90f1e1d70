export * from './client-instance.js';
export * from './errors.js';
export * from './message.js';
export * from './producer.js';
export * from './topic-route.js';
export * from './unique-id.js';
