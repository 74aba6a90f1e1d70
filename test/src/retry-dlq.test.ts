import { silentLogger } from '@rocketnest/common';
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Admin, PushConsumer, type PushConsumerOptions, type ReceivedMessage } from '@rocketnest/client';
import { decodeProperties, decodeStoredMessages } from '@rocketnest/protocol';
import { eventually, startBroker, startNamesrv } from './support/cluster.js';
import { startProducer, testConsumer } from './support/clients.js';

/** Levels 3, 4, 5 ... are what retries 1, 2, 3 ... wait (3 + reconsumeTimes). */
const LEVELS = '10ms 20ms 200ms 300ms 400ms 500ms 600ms';
const LEVEL_MS = [10, 20, 200, 300, 400, 500, 600];

function dlqMessages(broker: Awaited<ReturnType<typeof startBroker>>, group: string) {
  const result = broker.store.getMessage(`%DLQ%${group}`, 0, 0, 32);
  return result.status === 'FOUND' ? decodeStoredMessages(result.body) : [];
}

function consumer(options: Omit<PushConsumerOptions, 'logger'>): PushConsumer {
  return testConsumer({
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    ...options,
  });
}

describe('retries and dead letters', () => {
  it('retries after 3 + reconsumeTimes levels and dead-letters after exactly maxReconsumeTimes', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address }, { messageDelayLevel: LEVELS });
    const sender = await startProducer(namesrv.address);
    const sent = await sender.send({
      topic: 'Orders',
      body: 'poison',
      tags: 'created',
      keys: 'order-1',
      properties: { tenant: 'acme' },
    });
    const attempts: { at: number; message: ReceivedMessage }[] = [];
    const reader = consumer({ namesrvAddr: namesrv.address, consumerGroup: 'billing', maxReconsumeTimes: 3 })
      .subscribe('Orders')
      .onMessage(([message]) => {
        attempts.push({ at: Date.now(), message: message! });
        throw new Error('cannot bill');
      });
    await reader.start();
    await eventually(() => dlqMessages(broker, 'billing').length === 1, 'the dead letter', 30_000);
    // The first try and three retries: then the DLQ, and nothing more.
    await new Promise((resolve) => setTimeout(resolve, 800));
    assert.deepEqual(
      attempts.map((a) => a.message.reconsumeTimes),
      [0, 1, 2, 3],
    );
    for (const { message } of attempts) {
      assert.equal(message.topic, 'Orders');
      assert.equal(message.msgId, sent.msgId);
      assert.equal(message.tags, 'created');
      assert.equal(message.properties['tenant'], 'acme');
      assert.equal(message.body.toString(), 'poison');
    }
    assert.equal(attempts[1]!.message.properties['ORIGIN_MESSAGE_ID'], sent.offsetMsgId);
    for (let retry = 1; retry < attempts.length; retry++) {
      const waited = attempts[retry]!.at - attempts[retry - 1]!.at;
      const level = LEVEL_MS[3 + retry - 1 - 1]!;
      assert.ok(waited >= level, `retry ${retry} came after ${waited} ms, before its level's ${level} ms`);
    }
    const [letter] = dlqMessages(broker, 'billing');
    const properties = decodeProperties(letter!.properties);
    assert.equal(properties.get('RETRY_TOPIC'), 'Orders');
    assert.equal(properties.get('UNIQ_KEY'), sent.msgId);
    assert.equal(properties.get('tenant'), 'acme');
    assert.equal(properties.get('KEYS'), 'order-1');
    assert.equal(letter!.reconsumeTimes, 4);
    // The original offset moved on: the queue is not blocked by the dead letter.
    await eventually(
      () => broker.offsets.query('billing', 'Orders', sent.messageQueue.queueId) === sent.queueOffset + 1,
      'the offset past the dead letter',
    );
  });

  it('a retry after a given time (retryAfterMs) on a broker without timers comes at the first delay level not earlier', async () => {
    const namesrv = await startNamesrv();
    await startBroker({ namesrvAddr: namesrv.address }, { messageDelayLevel: LEVELS, timerWheelEnable: false });
    const sender = await startProducer(namesrv.address);
    await sender.send({ topic: 'Invoices', body: 'later' });
    const attempts: number[] = [];
    const reader = consumer({ namesrvAddr: namesrv.address, consumerGroup: 'invoicing' })
      .subscribe('Invoices')
      .onMessage(([message], context) => {
        attempts.push(Date.now());
        if (message!.reconsumeTimes === 0) context.retryAfterMs = 250; // level 4 (300 ms): 200 ms would be early
        if (message!.reconsumeTimes === 0) return 'RECONSUME_LATER';
        return 'CONSUME_SUCCESS';
      });
    await reader.start();
    await eventually(() => attempts.length === 2, 'the retry', 10_000);
    const waited = attempts[1]! - attempts[0]!;
    assert.ok(waited >= 250, `the retry came after ${waited} ms, before the 250 ms asked`);
  });

  it('resends a dead letter to its group by an admin call, and only that group gets it', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address }, { messageDelayLevel: LEVELS });
    const sender = await startProducer(namesrv.address);
    const sent = await sender.send({ topic: 'Payments', body: 'refund-7' });
    let healthy = false;
    const received: ReceivedMessage[] = [];
    const reader = consumer({ namesrvAddr: namesrv.address, consumerGroup: 'refunds', maxReconsumeTimes: 0 })
      .subscribe('Payments')
      .onMessage(([message]) => {
        received.push(message!);
        if (!healthy) throw new Error('downstream is down');
      });
    const other: ReceivedMessage[] = [];
    const bystander = consumer({ namesrvAddr: namesrv.address, consumerGroup: 'audit' })
      .subscribe('Payments')
      .onMessage(([message]) => {
        other.push(message!);
      });
    await reader.start();
    await bystander.start();
    await eventually(() => dlqMessages(broker, 'refunds').length === 1, 'the dead letter');
    assert.equal(received.length, 1);
    healthy = true;
    const admin = new Admin({ namesrvAddr: namesrv.address, logger: silentLogger });
    after(() => admin.shutdown());
    assert.equal(await admin.resendDeadLetter('refunds', sent.msgId), 1);
    await eventually(() => received.length === 2, 'the resent message');
    assert.equal(received[1]!.topic, 'Payments');
    assert.equal(received[1]!.msgId, sent.msgId);
    assert.equal(received[1]!.reconsumeTimes, 0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(other.length, 1, 'the other group got it once, from the original topic');
  });

  it('retries locally when the broker cannot take the message back: nothing is dropped', async () => {
    const namesrv = await startNamesrv();
    const broker = await startBroker({ namesrvAddr: namesrv.address }, { messageDelayLevel: LEVELS });
    const sender = await startProducer(namesrv.address);
    const sent = await sender.send({ topic: 'Stubborn', body: 'x' });
    const attempts: number[] = [];
    const reader = consumer({ namesrvAddr: namesrv.address, consumerGroup: 'stubborn', retryDelayMs: 50 })
      .subscribe('Stubborn')
      .onMessage(([message]) => {
        attempts.push(message!.reconsumeTimes);
        // The broker turns read-only after the first attempt: send-back answers NO_PERMISSION.
        broker.config.brokerPermission = 4;
        if (attempts.length < 3) throw new Error('not yet');
      });
    await reader.start();
    await eventually(() => attempts.length === 3, 'three local attempts');
    assert.deepEqual(attempts, [0, 1, 2]);
    assert.equal(broker.store.getMaxOffsetInQueue('%RETRY%stubborn', 0), 0, 'nothing went back to the broker');
    await eventually(
      () => broker.offsets.query('stubborn', 'Stubborn', sent.messageQueue.queueId) === sent.queueOffset + 1,
      'the offset past it once it succeeded',
    );
  });
});
