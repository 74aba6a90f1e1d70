import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { silentLogger } from '@rocketnest/common';
import { Admin, type ReceivedMessage } from '@rocketnest/client';
import type { MessageView, TransactionChecker } from 'rocketmq-client-nodejs';
import { testConsumer } from '../support/clients.js';
import { eventually } from '../support/cluster.js';
import { GrpcCluster, receiveAll } from '../support/grpc.js';

/** apache.rocketmq.v2.TransactionResolution (the package exports the enum only in its generated protobuf code). */
const COMMIT = 1 as Awaited<ReturnType<TransactionChecker['check']>>;
const ROLLBACK = 2 as Awaited<ReturnType<TransactionChecker['check']>>;

/** A remoting push consumer of ours, collecting what it gets. */
async function remotingReader(cluster: GrpcCluster, group: string, topic: string): Promise<ReceivedMessage[]> {
  const received: ReceivedMessage[] = [];
  const consumer = testConsumer({
    namesrvAddr: cluster.namesrvAddr,
    consumerGroup: group,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
  })
    .subscribe(topic)
    .onMessage((messages) => {
      received.push(...messages);
    });
  await consumer.start();
  return received;
}

describe("Apache's v5 Node client (rocketmq-client-nodejs) Producer over gRPC", () => {
  it('sends what our remoting consumer reads with the same id, keys, tag and properties', async () => {
    const cluster = await GrpcCluster.start();
    const producer = await cluster.producer({ topics: ['FromV5'] });
    const receipt = await producer.send({
      topic: 'FromV5',
      tag: 'created',
      keys: ['order-1', 'customer-9'],
      properties: new Map([['tenant', 'acme']]),
      body: Buffer.from('{"order":1}'),
    });
    const received = await remotingReader(cluster, 'remoting-reader', 'FromV5');
    const [message] = await eventually(() => (received.length > 0 ? received : undefined), 'the remoting consumer');
    assert.equal(message!.msgId, receipt.messageId);
    assert.equal(message!.tags, 'created');
    assert.deepEqual(message!.keys, ['order-1', 'customer-9']);
    assert.equal(message!.properties['tenant'], 'acme');
    assert.equal(message!.body.toString(), '{"order":1}');
    assert.equal(message!.queueOffset, receipt.offset);
  });

  it('refuses what RocketMQ 5 refuses, with its codes and what is wrong', async () => {
    const cluster = await GrpcCluster.start({}, { maxMessageSize: 1024 });
    const producer = await cluster.producer({ topics: ['Strict'] });
    // The client learnt the broker's maxMessageSize from the settings the service gave it.
    await assert.rejects(producer.send({ topic: 'Strict', body: Buffer.alloc(2048) }), /max size=1024/);
    await assert.rejects(
      producer.send({ topic: 'Strict', properties: new Map([['UNIQ_KEY', 'x']]), body: Buffer.from('x') }),
      /reserved/,
    );
    await assert.rejects(producer.send({ topic: 'bad/topic', body: Buffer.from('x') }), /40002|ILLEGAL_TOPIC|topic/i);
  });

  it('sends FIFO messages that a FIFO group receives in order, one message group at a time', async () => {
    const cluster = await GrpcCluster.start();
    const admin = new Admin({ namesrvAddr: cluster.namesrvAddr, logger: silentLogger });
    after(() => admin.shutdown());
    await admin.createGroup('fifo-group', { orderly: true });
    const producer = await cluster.producer({ topics: ['Ordered'] });
    for (let i = 0; i < 4; i++) {
      await producer.send({ topic: 'Ordered', messageGroup: 'order-1', body: Buffer.from(`step-${i}`) });
    }
    const consumer = await cluster.simpleConsumer('fifo-group', { Ordered: '*' });
    const [first, ...more] = await receiveAll(consumer, 1, 4000);
    assert.equal(first?.messageGroup, 'order-1');
    // The batch is the group's messages in order; a second receive gets nothing while they are out.
    assert.deepEqual(
      [first, ...more].map((m) => m!.body.toString()),
      ['step-0', 'step-1', 'step-2', 'step-3'],
    );
    // Long polling (3 s) ends before the 4 s invisible time does.
    assert.deepEqual(await consumer.receive(16, 4000), []);
    await consumer.ack(first!);
    // Not acknowledged: step-1 .. step-3 come again, in order, before anything after them.
    const again = await receiveAll(consumer, 3, 10_000, 6000);
    assert.deepEqual(
      again.map((m) => [m.body.toString(), m.deliveryAttempt]),
      [
        ['step-1', 2],
        ['step-2', 2],
        ['step-3', 2],
      ],
    );
    for (const message of again) await consumer.ack(message);
  });

  it('sends a delay message that is delivered at its delivery timestamp, not before', async () => {
    const cluster = await GrpcCluster.start();
    const producer = await cluster.producer({ topics: ['Later'] });
    const deliverAt = new Date(Date.now() + 2000);
    await producer.send({ topic: 'Later', deliveryTimestamp: deliverAt, body: Buffer.from('wake up') });
    const consumer = await cluster.simpleConsumer('later-group', { Later: '*' });
    const [message] = await receiveAll(consumer, 1);
    assert.ok(message);
    assert.ok(Date.now() >= deliverAt.getTime() - 50, `delivered ${deliverAt.getTime() - Date.now()} ms early`);
    assert.equal(message.deliveryTimestamp?.getTime(), deliverAt.getTime());
    await consumer.ack(message);
  });

  it('refuses a delay message on a broker without timers, saying what to set', async () => {
    const cluster = await GrpcCluster.start({}, { timerWheelEnable: false });
    const producer = await cluster.producer({ topics: ['NoTimers'] });
    await assert.rejects(
      producer.send({ topic: 'NoTimers', deliveryTimestamp: new Date(Date.now() + 5000), body: Buffer.from('x') }),
      /timerWheelEnable/,
    );
  });

  it('commits and rolls back transactions: only the committed message is delivered', async () => {
    const cluster = await GrpcCluster.start();
    const producer = await cluster.producer({ topics: ['Payments'], checker: { check: async () => ROLLBACK } });
    const committed = producer.beginTransaction();
    const kept = await producer.send({ topic: 'Payments', body: Buffer.from('kept') }, committed);
    const rolledBack = producer.beginTransaction();
    await producer.send({ topic: 'Payments', body: Buffer.from('dropped') }, rolledBack);
    const consumer = await cluster.simpleConsumer('payments-group', { Payments: '*' });
    assert.deepEqual(await consumer.receive(16, 10_000), [], 'half messages are not delivered');
    await committed.commit();
    await rolledBack.rollback();
    const delivered = await receiveAll(consumer, 2, 10_000, 4000);
    assert.deepEqual(
      delivered.map((m) => [m.messageId, m.body.toString()]),
      [[kept.messageId, 'kept']],
    );
  });

  it('recovers an orphaned transaction: the broker checks, the client’s checker commits over Telemetry', async () => {
    const cluster = await GrpcCluster.start({ transactionCheckInterval: 200, transactionTimeOut: 300 });
    const checked: string[] = [];
    const producer = await cluster.producer({
      topics: ['Orphans'],
      checker: {
        check: async (message: MessageView) => {
          checked.push(message.messageId);
          return COMMIT;
        },
      },
    });
    const transaction = producer.beginTransaction();
    const receipt = await producer.send(
      { topic: 'Orphans', keys: ['orphan-1'], body: Buffer.from('decided later') },
      transaction,
    );
    // Neither committed nor rolled back: the broker asks the producer.
    const consumer = await cluster.simpleConsumer('orphans-group', { Orphans: '*' });
    const [message] = await receiveAll(consumer, 1);
    assert.ok(message, 'delivered once the checker committed it');
    assert.equal(message.messageId, receipt.messageId);
    assert.deepEqual(message.keys, ['orphan-1']);
    assert.ok(checked.includes(receipt.messageId), 'the checker saw the half message');
  });
});
