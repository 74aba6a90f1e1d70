// Prometheus metrics, apart from the package's index: prom-client is loaded only where they are served.
export { brokerMetrics } from './broker-metrics.js';
