import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Admin, PushConsumer, type PushConsumerOptions, type ReceivedMessage } from '@rocketnest/client';
import { silentLogger } from '@rocketnest/common';
import { eventually, startBroker, startNamesrv, temporaryDir } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';

function consumer(options: Omit<PushConsumerOptions, 'logger'>): PushConsumer {
  return testConsumer({
    brokerSuspendMaxTimeMillis: 2000,
    ...options,
  });
}

describe('client: push consumer against our NameServer and broker', () => {
  it('finds a topic created after it started within seconds, not at the next 20 s rebalance', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address, autoCreateTopicEnable: false });
    const received: string[] = [];
    // The default rebalanceInterval (20 s): what finds the topic here is the retry after no route.
    const reader = new PushConsumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'early-readers',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      brokerSuspendMaxTimeMillis: 1000,
      logger: silentLogger,
    })
      .subscribe('CreatedLater', '*')
      .onMessage((messages) => {
        received.push(...messages.map((message) => message.body.toString()));
      });
    await reader.start();
    after(() => reader.shutdown(1000));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const admin = new Admin({ namesrvAddr: namesrv.address, logger: silentLogger });
    after(() => admin.shutdown());
    await admin.createTopic('CreatedLater', { queueNums: 2 });
    const createdAt = Date.now();
    const sender = await startProducer(namesrv.address);
    await sender.send({ topic: 'CreatedLater', body: 'first' });
    await eventually(() => received.includes('first'), 'the message of the new topic', 8000);
    assert.ok(Date.now() - createdAt < 8000);
  });

  it('consumes the tags it subscribed to and commits offsets to the end of every queue', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const sender = await startProducer(namesrv.address);
    for (let i = 0; i < 20; i++) await sender.send({ topic: 'Tagged', body: `m${i}`, tags: i % 2 ? 'TagB' : 'TagA' });
    const received: ReceivedMessage[] = [];
    const reader = consumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'tag-readers',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    })
      .subscribe('Tagged', 'TagA')
      .onMessage((messages) => {
        received.push(...messages);
      });
    await reader.start();
    await eventually(() => received.length >= 10, '10 TagA messages');
    assert.deepEqual(
      received.map((m) => m.body.toString()).sort(),
      Array.from({ length: 10 }, (_, i) => `m${i * 2}`).sort(),
    );
    assert.ok(received.every((m) => m.tags === 'TagA' && /^[0-9A-F]{32}$/.test(m.msgId)));
    await eventually(() => {
      for (let queueId = 0; queueId < 4; queueId++) {
        if (
          broker.offsets.query('tag-readers', 'Tagged', queueId) !== broker.store.getMaxOffsetInQueue('Tagged', queueId)
        )
          return false;
      }
      return true;
    }, 'offsets committed at the end of every queue');
  });

  it('splits queues between two members, and the survivor takes over when one leaves', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address, defaultTopicQueueNums: 8 });
    const sender = await startProducer(namesrv.address);
    await sender.send({ topic: 'Shared', body: 'create' });
    const seen = new Map<string, string[]>();
    const member = (name: string) =>
      consumer({
        namesrvAddr: namesrv.address,
        consumerGroup: 'sharers',
        instanceName: name,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      })
        .subscribe('Shared')
        .onMessage((messages) => {
          seen.set(name, [...(seen.get(name) ?? []), ...messages.map((m) => m.body.toString())]);
        });
    const one = member('one');
    const two = member('two');
    await one.start();
    await two.start();
    // Each member also reads its share of the group's retry topic (one queue).
    const shared = (c: PushConsumer) => c.assignedQueues.filter((q) => q.topic === 'Shared');
    await eventually(() => shared(one).length === 2 && shared(two).length === 2, 'two queues each');
    const ids = (c: PushConsumer) => shared(c).map((q) => q.queueId);
    assert.deepEqual([...ids(one), ...ids(two)].sort(), [0, 1, 2, 3]);
    await two.shutdown();
    await eventually(() => shared(one).length === 4, 'the survivor to own all four queues');
    for (let i = 0; i < 12; i++) await sender.send({ topic: 'Shared', body: `after-${i}` });
    await eventually(
      () => (seen.get('one') ?? []).filter((b) => b.startsWith('after-')).length === 12,
      'every later message at the survivor',
    );
  });

  it('delivers every message to every member when broadcasting, and keeps offsets in a local file', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const sender = await startProducer(namesrv.address);
    for (let i = 0; i < 12; i++) await sender.send({ topic: 'Everyone', body: `m${i}` });
    const offsetStoreDir = temporaryDir();
    const got = new Map<string, string[]>();
    const member = (name: string) =>
      consumer({
        namesrvAddr: namesrv.address,
        consumerGroup: 'listeners',
        instanceName: name,
        messageModel: 'BROADCASTING',
        offsetStoreDir,
        consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      })
        .subscribe('Everyone')
        .onMessage((messages) => {
          got.set(name, [...(got.get(name) ?? []), ...messages.map((m) => m.body.toString())]);
        });
    const [a, b] = [member('a'), member('b')];
    await a.start();
    await b.start();
    await eventually(() => got.get('a')?.length === 12 && got.get('b')?.length === 12, 'all twelve at both members');
    assert.equal(a.assignedQueues.length, 4);
    await a.shutdown();
    // Restarted with the same identity, it resumes from its own offsets: nothing again.
    got.delete('a');
    const again = member('a');
    await again.start();
    await sender.send({ topic: 'Everyone', body: 'later' });
    await eventually(() => got.get('a')?.includes('later'), 'the later message');
    assert.deepEqual(got.get('a'), ['later']);
  });

  it('sends a failed message back: it returns from the retry topic, and its offset is committed past it', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker(
      { namesrvAddr: namesrv.address },
      { messageDelayLevel: '10ms 20ms 50ms 60ms 70ms 80ms' },
    );
    const sender = await startProducer(namesrv.address);
    const first = await sender.send({ topic: 'Flaky', body: 'fails twice' }, { selector: (queues) => queues[0]! });
    const attempts: number[] = [];
    const reader = consumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'flaky',
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      retryDelayMs: 100,
    })
      .subscribe('Flaky')
      .onMessage((messages) => {
        attempts.push(messages[0]!.reconsumeTimes);
        if (attempts.length <= 2) throw new Error('not yet');
        return 'CONSUME_SUCCESS';
      });
    await reader.start();
    await eventually(() => attempts.length === 3, 'a third attempt');
    assert.deepEqual(attempts, [0, 1, 2]);
    assert.equal(broker.store.getMaxOffsetInQueue('%RETRY%flaky', 0), 2);
    await eventually(
      () => broker.offsets.query('flaky', 'Flaky', first.messageQueue.queueId) === first.queueOffset + 1,
      'the offset past it',
    );
  });
});
