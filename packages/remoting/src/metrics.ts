// The Prometheus endpoint, apart from the package's index: prom-client is loaded only by those that serve metrics.
export { collectedGauge, MetricsEndpoint } from './metrics-endpoint.js';
