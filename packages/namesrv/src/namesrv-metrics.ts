import { Registry } from 'prom-client';
import { collectedGauge } from '@rocketnest/remoting/metrics';
import type { NamesrvController } from './namesrv-controller.js';

/** The NameServer's Prometheus metrics: the brokers and topics it routes, and its connections, read at each scrape. */
export function namesrvMetrics(namesrv: NamesrvController): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ node_type: 'namesrv', node_id: `${namesrv.config.bindAddress}:${namesrv.port}` });
  const gauge = (name: string, help: string, read: () => number) => collectedGauge(registry, name, help, read);
  gauge('rocketmq_namesrv_brokers', 'Broker nodes registered (masters and slaves)', () =>
    Object.values(namesrv.routes.clusterInfo().brokerAddrTable).reduce(
      (n, broker) => n + Object.keys(broker.brokerAddrs).length,
      0,
    ),
  );
  gauge('rocketmq_topic_number', 'Topics routed', () => namesrv.routes.allTopics().length);
  gauge('rocketmq_connections', 'Connections open', () => namesrv.connectionCount);
  return registry;
}
