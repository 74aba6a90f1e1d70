/** The settings of a Prometheus endpoint, by RocketMQ 5's names (broker.conf, namesrv.properties). */
export interface MetricsExporterSettings {
  /** PROM serves /metrics; DISABLE (the default) serves nothing. */
  metricsExporterType: 'DISABLE' | 'PROM';
  /** Address to bind (empty: the server's bindAddress). */
  metricsPromExporterHost: string;
  /** Port of /metrics (0: a free one). */
  metricsPromExporterPort: number;
}

export const DEFAULT_METRICS_EXPORTER: MetricsExporterSettings = {
  metricsExporterType: 'DISABLE',
  metricsPromExporterHost: '',
  metricsPromExporterPort: 5557,
};
