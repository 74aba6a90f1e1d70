import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { Admin } from '@rocketnest/client';
import { decodeProperties, decodeStoredMessages } from '@rocketnest/protocol';
import { FilterExpression } from 'rocketmq-client-nodejs';
import { startProducer } from '../support/clients.js';
import { eventually } from '../support/cluster.js';
import { GrpcCluster, receiveAll } from '../support/grpc.js';

/** apache.rocketmq.v2.SQL (the client package exports the enum only in its generated protobuf code). */
const SQL = 2 as ConstructorParameters<typeof FilterExpression>[1];

describe("Apache's v5 Node client (rocketmq-client-nodejs) SimpleConsumer over gRPC", () => {
  it('receives what our remoting producer sent, with the same id, keys, tag and properties, and acks it', async () => {
    const cluster = await GrpcCluster.start();
    const producer = await startProducer(cluster.namesrvAddr);
    const sent = await producer.send({
      topic: 'Mixed',
      body: 'from remoting',
      tags: 'TagA',
      keys: ['order-7', 'customer-3'],
      properties: { tenant: 'acme' },
    });
    const consumer = await cluster.simpleConsumer('mixed-group', { Mixed: '*' });
    const [message, ...rest] = await receiveAll(consumer, 1);
    assert.equal(rest.length, 0);
    assert.ok(message);
    assert.equal(message.messageId, sent.msgId);
    assert.equal(message.body.toString(), 'from remoting');
    assert.equal(message.tag, 'TagA');
    assert.deepEqual(message.keys, ['order-7', 'customer-3']);
    assert.equal(message.properties.get('tenant'), 'acme');
    assert.equal(message.properties.has('UNIQ_KEY'), false, 'system properties are not user properties');
    assert.equal(message.deliveryAttempt, 1);
    assert.notEqual(message.corrupted, true, 'the body matches the digest the client checks');
    await consumer.ack(message);
    // Acknowledged: it is not delivered again, and the group's offset moves past it.
    assert.deepEqual(await consumer.receive(16, 1000), []);
    const admin = new Admin({ namesrvAddr: cluster.namesrvAddr, logger: silentLogger });
    after(() => admin.shutdown());
    await eventually(async () => {
      const { queues } = await admin.consumeStats('mixed-group', 'Mixed');
      return (
        queues.reduce((sum, queue) => sum + queue.lag, 0) === 0 && queues.some((queue) => queue.consumerOffset > 0)
      );
    }, "the group's offset committed past the acknowledged message");
  });

  it('delivers a message again after its invisible time, with the next delivery attempt; a stale handle is refused', async () => {
    const cluster = await GrpcCluster.start();
    const producer = await cluster.producer({ topics: ['Again'] });
    await producer.send({ topic: 'Again', body: Buffer.from('once more') });
    const consumer = await cluster.simpleConsumer('again-group', { Again: '*' });
    const [first] = await receiveAll(consumer, 1, 1500);
    assert.ok(first);
    assert.equal(first.deliveryAttempt, 1);
    const started = Date.now();
    const [second] = await receiveAll(consumer, 1, 10_000);
    assert.ok(second, 'delivered again once 1.5 s passed without an ack');
    assert.ok(Date.now() - started >= 1000, 'not before its invisible time ran out');
    assert.equal(second.messageId, first.messageId);
    assert.equal(second.deliveryAttempt, 2);
    await assert.rejects(consumer.ack(first), /INVALID_RECEIPT_HANDLE|out of date/);
    await consumer.ack(second);
  });

  it('keeps a message invisible for as long as changeInvisibleDuration asks, then acks it with the new handle', async () => {
    const cluster = await GrpcCluster.start();
    const producer = await cluster.producer({ topics: ['Longer'] });
    await producer.send({ topic: 'Longer', body: Buffer.from('slow work') });
    const consumer = await cluster.simpleConsumer('longer-group', { Longer: '*' });
    const [message] = await receiveAll(consumer, 1, 1000);
    assert.ok(message);
    await consumer.changeInvisibleDuration(message, 4000);
    // Past the first 1 s, the message stays invisible.
    assert.deepEqual(await receiveAll(consumer, 1, 1000, 2500), []);
    await consumer.ack(message);
    assert.deepEqual(
      await receiveAll(consumer, 1, 1000, 3500),
      [],
      'acknowledged with the handle changeInvisibleDuration gave',
    );
  });

  it('moves a message to the DLQ after the group’s max delivery attempts (retryMaxTimes + 1), where remoting reads it', async () => {
    const cluster = await GrpcCluster.start();
    const admin = new Admin({ namesrvAddr: cluster.namesrvAddr, logger: silentLogger });
    after(() => admin.shutdown());
    await admin.createGroup('fragile-group', { retryMaxTimes: 1 });
    const producer = await cluster.producer({ topics: ['Poison'] });
    const receipt = await producer.send({ topic: 'Poison', keys: ['poison-1'], body: Buffer.from('never acked') });
    const consumer = await cluster.simpleConsumer('fragile-group', { Poison: '*' });
    const attempts: number[] = [];
    const until = Date.now() + 15_000;
    while (Date.now() < until) {
      for (const message of await consumer.receive(16, 1000)) attempts.push(message.deliveryAttempt ?? 0);
      const dlq = cluster.broker.store.getMessage('%DLQ%fragile-group', 0, 0, 32);
      if (dlq.status === 'FOUND') {
        const [dead] = decodeStoredMessages(dlq.body);
        assert.ok(dead);
        const properties = decodeProperties(dead.properties);
        assert.equal(properties.get('UNIQ_KEY'), receipt.messageId);
        assert.equal(properties.get('KEYS'), 'poison-1');
        assert.deepEqual(attempts, [1, 2], 'two deliveries, then the DLQ');
        return;
      }
    }
    assert.fail(`no dead letter after deliveries ${attempts.join(', ')}`);
  });

  it('filters by tag, and by SQL92 where the broker has enablePropertyFilter', async () => {
    const cluster = await GrpcCluster.start({ enablePropertyFilter: true });
    const producer = await cluster.producer({ topics: ['Filtered'] });
    for (const [tag, region] of [
      ['TagA', 'eu'],
      ['TagB', 'us'],
      ['TagC', 'eu'],
      ['TagA', 'us'],
    ] as const) {
      await producer.send({
        topic: 'Filtered',
        tag,
        properties: new Map([['region', region]]),
        body: Buffer.from(tag),
      });
    }
    const byTag = await cluster.simpleConsumer('tag-group', { Filtered: 'TagA || TagC' });
    const tagged = await receiveAll(byTag, 3, 10_000, 5000);
    assert.deepEqual(tagged.map((m) => m.tag).sort(), ['TagA', 'TagA', 'TagC']);
    for (const message of tagged) await byTag.ack(message);
    const bySql = await cluster.simpleConsumer('sql-group', {
      Filtered: new FilterExpression("region = 'eu' AND TAGS <> 'TagC'", SQL),
    });
    const selected = await receiveAll(bySql, 1, 10_000, 5000);
    assert.deepEqual(
      selected.map((m) => [m.tag, m.properties.get('region')]),
      [['TagA', 'eu']],
    );
  });

  it('refuses SQL92 on a broker without enablePropertyFilter, saying so', async () => {
    const cluster = await GrpcCluster.start();
    const consumer = await cluster.simpleConsumer('no-sql-group', {
      Plain: new FilterExpression('a > 1', SQL),
    });
    await assert.rejects(consumer.receive(1, 10_000), /enablePropertyFilter/);
  });
});

describe('two gRPC endpoints beside one broker', () => {
  it('never hand out the same message twice to one group: each serves only the queues it holds the lock on', async () => {
    const cluster = await GrpcCluster.start();
    const second = await cluster.secondEndpoint();
    const producer = await startProducer(cluster.namesrvAddr);
    for (let i = 0; i < 40; i++) await producer.send({ topic: 'Shared', body: `m${i}` });
    const here = await cluster.simpleConsumer('shared-group', { Shared: '*' });
    const there = await cluster.simpleConsumer('shared-group', { Shared: '*' }, { endpoints: second });
    const seen: string[] = [];
    const until = Date.now() + 15_000;
    while (seen.length < 40 && Date.now() < until) {
      for (const batch of await Promise.all([here.receive(16, 30_000), there.receive(16, 30_000)])) {
        for (const message of batch) seen.push(message.body.toString());
      }
    }
    assert.equal(seen.length, 40);
    assert.equal(new Set(seen).size, 40, 'no message handed out by both endpoints');
  });
});
