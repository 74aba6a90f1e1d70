export * from './java-json.js';
export * from './route.js';
export * from './client.js';
