import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  decodeStoredMessages,
  encodeBatchBody,
  encodeProperties,
  MessageSysFlag,
  propertyValue,
  RequestCode,
  ResponseCode,
  SendMessageRequestHeader,
  SendMessageRequestHeaderV2,
} from '@rocketnest/protocol';
import { sendHeader, startTestBroker } from './broker.test-support.js';

describe('SEND_MESSAGE, SEND_MESSAGE_V2 and SEND_BATCH_MESSAGE', () => {
  it('stores a message in the queue asked for and answers its offset message id and queue offset', async () => {
    const { broker, send, createTopic } = await startTestBroker();
    await createTopic('Orders', 2);
    const first = await send('Orders', 'one', { queueId: 1, properties: { TAGS: 'created' } });
    assert.equal(first.code, ResponseCode.SUCCESS);
    assert.equal(first.extFields['queueId'], '1');
    assert.equal(first.extFields['queueOffset'], '0');
    assert.match(first.extFields['msgId']!, /^[0-9A-F]{32}$/);
    assert.equal((await send('Orders', 'two', { queueId: 1 })).extFields['queueOffset'], '1');
    const messages = decodeStoredMessages(broker.store.getMessage('Orders', 1, 0, 10).body);
    assert.deepEqual(
      messages.map((m) => m.body.toString()),
      ['one', 'two'],
    );
    assert.equal(propertyValue(messages[0]!.properties, 'CLUSTER'), 'DefaultCluster');
  });

  it('SEND_MESSAGE (v1 keys) and a batch store the same way', async () => {
    const { broker, call, createTopic } = await startTestBroker();
    await createTopic('T');
    const fields = sendHeader('T');
    const v1 = await call(RequestCode.SEND_MESSAGE, SendMessageRequestHeader.encode(fields), Buffer.from('v1'));
    assert.equal(v1.code, ResponseCode.SUCCESS);
    const batch = encodeBatchBody(
      ['a', 'b', 'c'].map((body) => ({ body: Buffer.from(body), flag: 0, properties: '' })),
    );
    const sent = await call(RequestCode.SEND_BATCH_MESSAGE, SendMessageRequestHeaderV2.encode(fields), batch);
    assert.equal(sent.code, ResponseCode.SUCCESS);
    assert.equal(sent.extFields['queueOffset'], '1');
    assert.equal(sent.extFields['msgId']!.split(',').length, 3);
    assert.equal(broker.store.getMaxOffsetInQueue('T', 0), 4);
  });

  it('creates a topic from TBW102 when auto-creation is on, and answers TOPIC_NOT_EXIST when it is off', async () => {
    const on = await startTestBroker({ autoCreateTopicEnable: true, defaultTopicQueueNums: 8 });
    assert.equal((await on.send('Fresh')).code, ResponseCode.SUCCESS);
    assert.equal(on.broker.topics.get('Fresh')?.writeQueueNums, 4);
    const off = await startTestBroker({ autoCreateTopicEnable: false });
    const refused = await off.send('Fresh');
    assert.equal(refused.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.match(refused.remark!, /topic\[Fresh\] not exist, apply first please!/);
  });

  it('refuses a broker or topic without write permission, system topics, and a queue id past the topic', async () => {
    const readOnly = await startTestBroker({ brokerPermission: 4 });
    await readOnly.createTopic('T');
    const broker = await readOnly.send('T');
    assert.equal(broker.code, ResponseCode.NO_PERMISSION);
    assert.match(broker.remark!, /the broker\[broker-a\] sending message is forbidden/);

    const { send, createTopic } = await startTestBroker();
    await createTopic('ReadOnly', 1, 4);
    assert.equal((await send('ReadOnly')).code, ResponseCode.NO_PERMISSION);
    const system = await send('SCHEDULE_TOPIC_XXXX');
    assert.equal(system.code, ResponseCode.NO_PERMISSION);
    assert.match(system.remark!, /is forbidden: it is a system topic/);
    await createTopic('Two', 2);
    const queue = await send('Two', 'x', { queueId: 5 });
    assert.equal(queue.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(queue.remark, 'request queueId[5] is illegal, topic[Two] has 2 queues');
  });

  it('refuses a delayed batch, a retry of an unknown group, an oversize body, and transactions when told to', async () => {
    const { call, send, createTopic } = await startTestBroker({ autoCreateSubscriptionGroup: false });
    await createTopic('T');
    const fields = SendMessageRequestHeaderV2.encode(sendHeader('T', { properties: encodeProperties({ DELAY: '3' }) }));
    const batch = encodeBatchBody([{ body: Buffer.from('a'), flag: 0, properties: '' }]);
    const delayed = await call(RequestCode.SEND_BATCH_MESSAGE, fields, batch);
    assert.equal(delayed.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(delayed.remark!, /a batch cannot have a delay level/);
    const retry = await send('%RETRY%Unknown', 'x', { reconsumeTimes: 1 });
    assert.equal(retry.code, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST);
    const large = await send('T', 'x'.repeat(4 * 1024 * 1024 + 1));
    assert.equal(large.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.match(large.remark!, /over maxMessageSize/);

    const strict = await startTestBroker({ rejectTransactionMessage: true });
    await strict.createTopic('T');
    const half = await strict.send('T', 'x', {
      properties: { TRAN_MSG: 'true', PGROUP: 'P' },
      sysFlag: MessageSysFlag.TRANSACTION_PREPARED_TYPE,
    });
    assert.equal(half.code, ResponseCode.NO_PERMISSION);
    assert.match(half.remark!, /refuses transactional messages/);
  });

  it('refuses every send on a slave, whose CommitLog only replication writes', async () => {
    const { send } = await startTestBroker({ brokerRole: 'SLAVE', brokerId: 1 });
    const refused = await send('T');
    assert.equal(refused.code, ResponseCode.SERVICE_NOT_AVAILABLE);
    assert.match(refused.remark!, /the broker\[broker-a\] is a slave/);
  });

  it('answers SERVICE_NOT_AVAILABLE when the store is not running', async () => {
    const { broker, send, createTopic } = await startTestBroker();
    await createTopic('T');
    await broker.store.shutdown();
    const response = await send('T');
    assert.equal(response.code, ResponseCode.SERVICE_NOT_AVAILABLE);
    assert.match(response.remark!, /the store is not running/);
  });
});
