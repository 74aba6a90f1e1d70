export * from './address.js';
export * from './errors.js';
export * from './processor-table.js';
export * from './remoting-client.js';
export * from './remoting-connection.js';
export * from './remoting-server.js';
export * from './tls-settings.js';
export { DEFAULT_METRICS_EXPORTER, type MetricsExporterSettings } from './metrics-settings.js';
