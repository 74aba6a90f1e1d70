import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeOffsetMessageId,
  decodeStoredMessages,
  propertyValue,
  encodeJsonBody,
  RequestCode,
  ResponseCode,
} from '@rocketnest/protocol';
import { startTestBroker } from './broker.test-support.js';

type Broker = Awaited<ReturnType<typeof startTestBroker>>;

/** Store a message and give back its CommitLog offset. */
async function stored({ send, createTopic }: Broker, reconsumeTimes = 0): Promise<number> {
  await createTopic('Orders');
  const response = await send('Orders', 'failed', { reconsumeTimes });
  return decodeOffsetMessageId(response.extFields['msgId']!).physicalOffset;
}

const sendBack = ({ call }: Broker, offset: number, delayLevel: number, group = 'Billing', max?: number) =>
  call(RequestCode.CONSUMER_SEND_MSG_BACK, {
    offset: String(offset),
    group,
    delayLevel: String(delayLevel),
    ...(max === undefined ? {} : { maxReconsumeTimes: String(max) }),
  });

describe('CONSUMER_SEND_MSG_BACK', () => {
  it("holds a failed message for its delay level, bound for the group's retry topic", async () => {
    const broker = await startTestBroker();
    const offset = await stored(broker);
    assert.equal((await sendBack(broker, offset, 0)).code, ResponseCode.SUCCESS);
    assert.ok(broker.broker.topics.get('%RETRY%Billing'));
    // Delay level 3 + reconsumeTimes 0: held in SCHEDULE_TOPIC_XXXX's queue for level 3.
    const held = decodeStoredMessages(broker.broker.store.getMessage('SCHEDULE_TOPIC_XXXX', 2, 0, 1).body);
    assert.equal(held.length, 1);
    assert.equal(held[0]!.reconsumeTimes, 1);
    assert.equal(propertyValue(held[0]!.properties, 'REAL_TOPIC'), '%RETRY%Billing');
    assert.equal(propertyValue(held[0]!.properties, 'RETRY_TOPIC'), 'Orders');
  });

  it('sends it to the dead-letter topic when asked with level -1 or after maxReconsumeTimes', async () => {
    const broker = await startTestBroker();
    const offset = await stored(broker, 2);
    assert.equal((await sendBack(broker, offset, -1)).code, ResponseCode.SUCCESS);
    assert.equal((await sendBack(broker, offset, 0, 'Billing', 2)).code, ResponseCode.SUCCESS);
    const dead = decodeStoredMessages(broker.broker.store.getMessage('%DLQ%Billing', 0, 0, 10).body);
    assert.deepEqual(
      dead.map((m) => m.body.toString()),
      ['failed', 'failed'],
    );
  });

  it('drops the message for a group without retry queues, as RocketMQ does', async () => {
    const broker = await startTestBroker();
    const offset = await stored(broker);
    await broker.call(
      RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP,
      {},
      encodeJsonBody({ groupName: 'NoRetry', retryQueueNums: 0 }),
    );
    assert.equal((await sendBack(broker, offset, 0, 'NoRetry')).code, ResponseCode.SUCCESS);
    assert.equal(broker.broker.topics.get('%RETRY%NoRetry'), undefined);
  });

  it('refuses an unknown group, a slave, a broker that may not be written, and an offset with no message', async () => {
    const strict = await startTestBroker({ autoCreateSubscriptionGroup: false });
    const unknown = await sendBack(strict, 0, 0);
    assert.equal(unknown.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    assert.match(unknown.remark!, /subscription group \[Billing\] does not exist/);
    const slave = await startTestBroker({ brokerRole: 'SLAVE', brokerId: 1 });
    assert.equal((await sendBack(slave, 0, 0)).code, ResponseCode.SERVICE_NOT_AVAILABLE);
    const readOnly = await startTestBroker({ brokerPermission: 4 });
    assert.equal((await sendBack(readOnly, 0, 0)).code, ResponseCode.NO_PERMISSION);
    const broker = await startTestBroker();
    const missing = await sendBack(broker, 123_456, 0);
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(missing.remark, 'look message by offset failed, 123456');
  });
});
