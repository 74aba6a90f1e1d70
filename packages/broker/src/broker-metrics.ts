import { Counter, Histogram, Registry } from 'prom-client';
import { collectedGauge } from '@rocketnest/remoting/metrics';
import { diskSpace } from '@rocketnest/store';
import type { BrokerController } from './broker-controller.js';
import type { Traffic } from './broker-stats.js';

/** Send and pull times, from a tenth of a millisecond to a second. */
const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/** A counter whose values are the stats' running totals, set at each scrape (nothing is counted twice). */
function totals(
  registry: Registry,
  name: string,
  help: string,
  labelNames: string[],
  table: () => Map<string, Traffic>,
  labels: (key: string) => Record<string, string>,
  value: (traffic: Traffic) => number,
): void {
  new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const [key, traffic] of table()) this.inc(labels(key), value(traffic));
    },
  });
}

/**
 * The broker's Prometheus metrics, with RocketMQ 5's names where it has one (rocketmq_messages_in_total,
 * rocketmq_throughput_in_total, ...) and the units Prometheus asks for (seconds, bytes): traffic in
 * per topic and out per topic and group, send and pull latency, store size and disk use, flush and
 * replication lag, connections and held pulls. Labelled with the cluster and broker, as RocketMQ 5's.
 */
export function brokerMetrics(broker: BrokerController): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({
    cluster: broker.config.brokerClusterName,
    node_type: 'broker',
    node_id: `${broker.config.brokerName}-${broker.config.brokerId}`,
  });
  const stats = broker.stats;
  const topic = (key: string) => ({ topic: key });
  const groupTopic = (key: string) => {
    const [consumer_group, topicName] = key.split('\u0001') as [string, string];
    return { consumer_group, topic: topicName };
  };
  totals(
    registry,
    'rocketmq_messages_in_total',
    'Messages stored, by topic',
    ['topic'],
    () => stats.putByTopic,
    topic,
    (t) => t.messages,
  );
  totals(
    registry,
    'rocketmq_throughput_in_total',
    'Bytes of message bodies stored, by topic',
    ['topic'],
    () => stats.putByTopic,
    topic,
    (t) => t.bytes,
  );
  totals(
    registry,
    'rocketmq_messages_out_total',
    'Messages read by consumers, by topic and group',
    ['topic', 'consumer_group'],
    () => stats.getByGroupTopic,
    groupTopic,
    (t) => t.messages,
  );
  totals(
    registry,
    'rocketmq_throughput_out_total',
    'Bytes of records read by consumers, by topic and group',
    ['topic', 'consumer_group'],
    () => stats.getByGroupTopic,
    groupTopic,
    (t) => t.bytes,
  );
  const latency = new Histogram({
    name: 'rocketmq_rpc_latency_seconds',
    help: 'Time to answer a send (stored, and replicated where the broker waits for it) or a pull (read, not held)',
    labelNames: ['request'],
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const send = latency.labels('send');
  const pull = latency.labels('pull');
  stats.onLatency = (kind, seconds) => (kind === 'send' ? send : pull).observe(seconds);
  const store = broker.store;
  collectedGauge(
    registry,
    'rocketmq_storage_size_bytes',
    'Bytes of CommitLog kept',
    () => store.getMaxPhyOffset() - store.getMinPhyOffset(),
  );
  collectedGauge(registry, 'rocketmq_storage_disk_used_ratio', 'Used share of the store disk, as df shows it', () => {
    try {
      return diskSpace(broker.storeConfig.storePathRootDir).usedRatio;
    } catch {
      return Number.NaN;
    }
  });
  collectedGauge(
    registry,
    'rocketmq_storage_flush_behind_bytes',
    'CommitLog bytes not yet flushed to disk',
    () => store.flushBehindBytes,
  );
  collectedGauge(
    registry,
    'rocketmq_replication_lag_bytes',
    "A master's CommitLog bytes its nearest slave has not acknowledged (-1: no slave)",
    () => (broker.slaveAckOffset < 0 ? -1 : Math.max(0, store.getMaxPhyOffset() - broker.slaveAckOffset)),
  );
  collectedGauge(registry, 'rocketmq_connections', 'Client connections open', () => broker.load.connections);
  collectedGauge(
    registry,
    'rocketmq_pull_requests_held',
    'Long-polled pulls waiting for messages',
    () => broker.load.heldPulls,
  );
  collectedGauge(registry, 'rocketmq_topic_number', 'Topics of this broker', () => broker.topics.all().length);
  collectedGauge(
    registry,
    'rocketmq_consumer_group_number',
    'Consumer groups of this broker',
    () => broker.groups.all().length,
  );
  return registry;
}
