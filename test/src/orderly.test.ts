import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PushConsumer, type PushConsumerOptions } from '@rocketnest/client';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function consumer(options: Omit<PushConsumerOptions, 'logger'>): PushConsumer {
  return testConsumer({
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    orderly: true,
    ...options,
  });
}

describe('orderly consumption', () => {
  it('keeps each queue in order, one batch at a time, while a second member joins and leaves', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const sender = await startProducer(namesrv.address);
    const KEYS = 16;
    const PER_KEY = 30;
    const seen = new Map<string, number[]>();
    const busy = new Set<string>();
    const violations: string[] = [];
    const member = (name: string) =>
      consumer({ namesrvAddr: namesrv.address, consumerGroup: 'order-events', instanceName: name })
        .subscribe('OrderEvents')
        .onMessage(async ([message]) => {
          const queue = `${message!.queueId}`;
          if (busy.has(queue)) violations.push(`${name}: queue ${queue} consumed twice at once`);
          busy.add(queue);
          await sleep(2);
          const [key, step] = message!.body.toString().split(':');
          seen.set(key!, [...(seen.get(key!) ?? []), Number(step)]);
          busy.delete(queue);
        });
    const first = member('first');
    await sender.send({ topic: 'OrderEvents', body: 'warm-up:0', keys: 'warm-up' }, { shardingKey: 'warm-up' });
    await first.start();
    const sending = (async () => {
      for (let step = 0; step < PER_KEY; step++) {
        for (let key = 0; key < KEYS; key++) {
          await sender.send({ topic: 'OrderEvents', body: `order-${key}:${step}` }, { shardingKey: `order-${key}` });
        }
        await sleep(10);
      }
    })();
    await sleep(300);
    const second = member('second');
    await second.start();
    await eventually(
      () => second.assignedQueues.some((q) => q.topic === 'OrderEvents'),
      'the second member to take queues',
    );
    await sleep(600);
    await second.shutdown();
    await sending;
    await eventually(
      () => [...seen.keys()].filter((k) => k.startsWith('order-')).every((k) => seen.get(k)!.length >= PER_KEY),
      'every step of every order',
      30_000,
    );
    assert.deepEqual(violations, []);
    for (let key = 0; key < KEYS; key++) {
      assert.deepEqual(
        seen.get(`order-${key}`),
        Array.from({ length: PER_KEY }, (_, i) => i),
        `order-${key} in order, each step once`,
      );
    }
  });

  it('suspends the queue and retries the same message in place, then dead-letters it so the queue moves on', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address });
    const sender = await startProducer(namesrv.address);
    const queue = { topic: 'Ledger', brokerName: broker.config.brokerName, queueId: 0 };
    for (const body of ['a', 'poison', 'b']) await sender.send({ topic: 'Ledger', body }, { queue });
    const calls: string[] = [];
    const reader = consumer({
      namesrvAddr: namesrv.address,
      consumerGroup: 'ledger',
      maxReconsumeTimes: 2,
      suspendCurrentQueueTimeMillis: 50,
    })
      .subscribe('Ledger')
      .onMessage(([message]) => {
        calls.push(`${message!.body}#${message!.reconsumeTimes}`);
        return message!.body.toString() === 'poison' ? 'SUSPEND_CURRENT_QUEUE_A_MOMENT' : 'CONSUME_SUCCESS';
      });
    await reader.start();
    await eventually(() => calls.includes('b#0'), 'the message after the poison');
    assert.deepEqual(calls, ['a#0', 'poison#0', 'poison#1', 'poison#2', 'b#0']);
    assert.equal(broker.store.getMaxOffsetInQueue('%DLQ%ledger', 0), 1);
    await eventually(() => broker.offsets.query('ledger', 'Ledger', 0) === 3, 'the offset past all three');
  });
});
