export * from './rocket.health.js';
