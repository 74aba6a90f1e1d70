import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { LitePullConsumer, Producer, type LitePullConsumerOptions, type ReceivedMessage } from '@rocketnest/client';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';

function litePull(options: Omit<LitePullConsumerOptions, 'logger'>): LitePullConsumer {
  const consumer = new LitePullConsumer({
    brokerSuspendMaxTimeMillis: 1000,
    rebalanceInterval: 300,
    logger: silentLogger,
    ...options,
  });
  after(() => consumer.shutdown());
  return consumer;
}

/** Poll until `count` messages came back (or fail after a while). */
async function pollAll(consumer: LitePullConsumer, count: number): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = [];
  const deadline = Date.now() + 15_000;
  while (got.length < count && Date.now() < deadline) got.push(...(await consumer.poll(500)));
  return got;
}

describe('client: lite pull consumer against our NameServer and broker', () => {
  it('reads assigned queues with poll, commits by hand, seeks back, pauses and resumes', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const producer = new Producer({ namesrvAddr: namesrv.address, producerGroup: 'lp-producer', logger: silentLogger });
    await producer.start();
    after(() => producer.shutdown());
    for (let i = 0; i < 10; i++)
      await producer.send({ topic: 'Pulled', body: `m${i}` }, { selector: (q) => q[i % 2]! });
    const consumer = litePull({
      namesrvAddr: namesrv.address,
      consumerGroup: 'lp-manual',
      autoCommit: false,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    });
    const queues = await consumer.fetchMessageQueues('Pulled');
    assert.equal(queues.length, 4);
    const [q0, q1] = [queues[0]!, queues[1]!];
    consumer.assign([q0, q1]);
    await consumer.start();
    const first = await pollAll(consumer, 10);
    assert.deepEqual(first.map((m) => m.body.toString()).sort(), Array.from({ length: 10 }, (_, i) => `m${i}`).sort());
    // Nothing committed yet; commit() stores what poll() returned.
    assert.equal(broker.offsets.query('lp-manual', 'Pulled', 0), -1);
    await consumer.commit();
    assert.equal(broker.offsets.query('lp-manual', 'Pulled', 0), 5);
    assert.equal(await consumer.committed(q1), 5);
    // seek back on queue 0: its messages come again.
    consumer.seek(q0, 2);
    const again = await pollAll(consumer, 3);
    assert.deepEqual(
      again.map((m) => m.queueOffset),
      [2, 3, 4],
    );
    assert.ok(again.every((m) => m.queueId === 0));
    // Paused queues are not read until resumed.
    consumer.pause([q0, q1]);
    await producer.send({ topic: 'Pulled', body: 'while paused' }, { selector: (q) => q[0]! });
    assert.deepEqual(await consumer.poll(600), []);
    consumer.resume([q0]);
    assert.deepEqual(
      (await pollAll(consumer, 1)).map((m) => m.body.toString()),
      ['while paused'],
    );
  });

  it('subscribes, shares queues with the group, and commits automatically', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const producer = new Producer({ namesrvAddr: namesrv.address, producerGroup: 'lp-producer', logger: silentLogger });
    await producer.start();
    after(() => producer.shutdown());
    for (let i = 0; i < 8; i++)
      await producer.send({ topic: 'AutoPulled', body: `a${i}`, tags: i % 2 ? 'odd' : 'even' });
    const consumer = litePull({
      namesrvAddr: namesrv.address,
      consumerGroup: 'lp-auto',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      autoCommitIntervalMs: 100,
    }).subscribe('AutoPulled', 'even');
    await consumer.start();
    const got = await pollAll(consumer, 4);
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['a0', 'a2', 'a4', 'a6']);
    assert.equal(consumer.assignedQueues.length, 4);
    await eventually(() => {
      let committed = 0;
      for (let queueId = 0; queueId < 4; queueId++)
        committed += Math.max(0, broker.offsets.query('lp-auto', 'AutoPulled', queueId));
      return committed === 8;
    }, 'every queue committed to its end');
  });
});
