import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { eventually, temporaryDir } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';
import { RocketnestProcess } from './support/local-cluster.js';

/** A sample's value from Prometheus' text format: the line of the metric with exactly these labels in it. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) {
      return Number(line.slice(line.lastIndexOf(' ') + 1));
    }
  }
  return undefined;
}

const scrape = async (port: number) => {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  assert.equal(response.status, 200);
  assert.match(response.headers.get('content-type') ?? '', /text\/plain/);
  return response.text();
};

describe('Prometheus metrics (metricsExporterType=PROM)', () => {
  it('the broker counts messages and bytes in by topic and out by group, times sends and pulls, and reports store, connections and held pulls; the NameServer its brokers and topics', async () => {
    const dir = temporaryDir();
    writeFileSync(
      join(dir, 'namesrv.properties'),
      'listenPort=0\nbindAddress=127.0.0.1\nmetricsExporterType=PROM\nmetricsPromExporterPort=0\n',
    );
    const namesrv = await RocketnestProcess.start(['namesrv', '-c', join(dir, 'namesrv.properties')]);
    after(() => namesrv.stop());
    const namesrvAddr = `127.0.0.1:${/listening on 127\.0\.0\.1:(\d+)/.exec(namesrv.output)![1]}`;
    writeFileSync(
      join(dir, 'broker.conf'),
      [
        'brokerName=metered',
        'bindAddress=127.0.0.1',
        'brokerIP1=127.0.0.1',
        'listenPort=0',
        `storePathRootDir=${join(dir, 'store')}`,
        'metricsExporterType=PROM',
        'metricsPromExporterPort=0', // a free port, printed
      ].join('\n'),
    );
    const broker = await RocketnestProcess.start(['broker', '-n', namesrvAddr, '-c', join(dir, 'broker.conf')]);
    after(() => broker.stop());
    const metricsPort = (output: string) =>
      Number(/Prometheus metrics at http:\/\/127\.0\.0\.1:(\d+)\/metrics/.exec(output)![1]);
    const brokerMetricsPort = metricsPort(broker.output);
    const namesrvMetricsPort = metricsPort(namesrv.output);

    const producer = await startProducer(namesrvAddr);
    for (let i = 0; i < 10; i++) await producer.send({ topic: 'Metered', body: 'x'.repeat(100) });
    let consumed = 0;
    await testConsumer({ namesrvAddr, consumerGroup: 'meter-readers', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' })
      .subscribe('Metered')
      .onMessage((messages) => {
        consumed += messages.length;
      })
      .start();
    await eventually(() => consumed === 10, 'the ten messages consumed');

    const text: string = await eventually(async () => {
      const scraped = await scrape(brokerMetricsPort);
      const out = sample(scraped, 'rocketmq_messages_out_total', { topic: 'Metered', consumer_group: 'meter-readers' });
      return out === 10 ? scraped : undefined;
    }, 'the reads counted');
    assert.equal(sample(text, 'rocketmq_messages_in_total', { topic: 'Metered', node_id: 'metered-0' }), 10);
    assert.equal(sample(text, 'rocketmq_throughput_in_total', { topic: 'Metered' }), 1000);
    assert.ok(
      sample(text, 'rocketmq_throughput_out_total', { topic: 'Metered', consumer_group: 'meter-readers' })! > 1000,
    );
    assert.ok(sample(text, 'rocketmq_rpc_latency_seconds_count', { request: 'send' })! >= 10);
    assert.ok(sample(text, 'rocketmq_rpc_latency_seconds_count', { request: 'pull' })! >= 1);
    assert.ok(sample(text, 'rocketmq_storage_size_bytes')! > 1000);
    assert.ok(sample(text, 'rocketmq_storage_disk_used_ratio')! > 0);
    assert.ok(sample(text, 'rocketmq_storage_flush_behind_bytes')! >= 0);
    assert.equal(sample(text, 'rocketmq_replication_lag_bytes'), -1, 'no slave');
    assert.ok(sample(text, 'rocketmq_connections')! >= 2, 'the producer and the consumer');
    assert.ok(sample(text, 'rocketmq_pull_requests_held')! >= 1, "the consumer's long poll");
    assert.ok(sample(text, 'rocketmq_topic_number')! >= 1);
    assert.match(text, /# TYPE rocketmq_messages_in_total counter/);
    assert.equal((await fetch(`http://127.0.0.1:${brokerMetricsPort}/`)).status, 404);

    const namesrvText = await scrape(namesrvMetricsPort);
    assert.equal(sample(namesrvText, 'rocketmq_namesrv_brokers', { node_type: 'namesrv' }), 1);
    assert.ok(sample(namesrvText, 'rocketmq_topic_number')! >= 1);
    assert.ok(sample(namesrvText, 'rocketmq_connections')! >= 1);
  });
});
