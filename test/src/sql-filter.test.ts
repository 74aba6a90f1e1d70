import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageSelector, PushConsumer, type ReceivedMessage } from '@rocketnest/client';
import { SelectorParseError } from '@rocketnest/protocol';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';

function consumer(namesrvAddr: string, consumerGroup: string): PushConsumer {
  return testConsumer({ namesrvAddr, consumerGroup, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
}

describe('SQL92 property filters', () => {
  it('delivers only the messages whose properties match, filtered on the broker', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address, enablePropertyFilter: true });
    const sender = await startProducer(namesrv.address);
    const people: Record<string, string>[] = [
      { name: 'ann', sex: 'female', age: '30' },
      { name: 'bob', sex: 'male', age: '40' },
      { name: 'cat', sex: 'female', age: '17' },
      { name: 'dee', sex: 'female', age: '18' },
      { name: 'eve', age: '50' },
    ];
    for (const properties of people)
      await sender.send({ topic: 'People', body: properties.name, tags: 'person', properties });
    const received: ReceivedMessage[] = [];
    const reader = consumer(namesrv.address, 'adult-women')
      .subscribe('People', MessageSelector.bySql("sex = 'female' AND age >= 18"))
      .onMessage((messages) => {
        received.push(...messages);
      });
    await reader.start();
    await eventually(() => received.length >= 2, 'the two matches');
    await sender.send({ topic: 'People', body: 'fay', properties: { sex: 'female', age: '77' } });
    await eventually(() => received.length >= 3, 'a match sent while the consumer waits');
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(received.map((m) => m.body.toString()).sort(), ['ann', 'dee', 'fay']);
    const subscription = broker.consumers.get('adult-women')?.subscriptions.get('People');
    assert.equal(subscription?.expressionType, 'SQL92');
  });

  it('refuses a malformed expression when the consumer subscribes, with its position', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address, enablePropertyFilter: true });
    assert.throws(
      () =>
        consumer(namesrv.address, 'typo').subscribe('People', MessageSelector.bySql("sex = 'female' AND AND age > 1")),
      (error: unknown) =>
        error instanceof SelectorParseError &&
        error.column === 20 &&
        /expected a property, a literal or "\("/.test(error.message),
    );
  });

  it('refuses the subscription at start when the broker has property filters off', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address });
    const sender = await startProducer(namesrv.address);
    await sender.send({ topic: 'People', body: 'x' });
    const reader = consumer(namesrv.address, 'no-sql')
      .subscribe('People', MessageSelector.bySql('a = 1'))
      .onMessage(() => {});
    await assert.rejects(reader.start(), /subscription to People refused: .*enablePropertyFilter=true/);
  });
});
